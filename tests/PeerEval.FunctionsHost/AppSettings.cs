using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace PeerEval.FunctionsHost;

/// <summary>
/// The app settings seen as configuration, the way the host sees them: "__" in a name is a section
/// separator, so PeerEval__Storage__Prefix answers for PeerEval:Storage:Prefix, and lookups ignore case.
/// </summary>
public sealed partial class AppSettings(IDictionary<string, string?> settings)
{
    public IConfiguration Configuration { get; } = new ConfigurationBuilder()
        .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ConfigurationPath.KeyDelimiter), s.Value)))
        .Build();

    /// <summary>
    /// Replaces every %Name% in a binding expression with the setting's value. An empty value is fine
    /// (an empty queue-name prefix, say); a missing one is a configuration error, as in the host.
    /// </summary>
    public string ResolveBindingExpression(string expression) =>
        BindingExpression().Replace(expression, match =>
            Configuration[match.Groups[1].Value]
            ?? throw new InvalidOperationException($"The binding expression '{expression}' refers to the app setting '{match.Groups[1].Value}', which is not set."));

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex BindingExpression();
}
