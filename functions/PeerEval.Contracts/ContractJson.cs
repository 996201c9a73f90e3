using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerEval.Contracts;

/// <summary>The contract's JSON: camelCase, dates as ISO strings, enums as names.</summary>
public static class ContractJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        // Names only: a number would slip an undefined value (a role of 7) past every check.
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }
}
