using System.Text.RegularExpressions;

namespace PeerEval.Functions.Hosting;

public static partial class Routes
{
    /// <summary>Service ids are lowercase slugs: safe as storage keys and in URLs.</summary>
    public const string ServiceIdPattern = "^[a-z0-9][a-z0-9-]{0,62}$";

    [GeneratedRegex(ServiceIdPattern)]
    public static partial Regex ServiceId();
}
