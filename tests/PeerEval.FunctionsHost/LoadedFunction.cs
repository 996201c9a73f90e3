using System.Text.Json;

namespace PeerEval.FunctionsHost;

/// <summary>A function as the worker described it, with its bindings as the worker's raw JSON.</summary>
public sealed record LoadedFunction(string FunctionId, string Name, string EntryPoint, IReadOnlyList<JsonElement> Bindings)
{
    /// <summary>The trigger binding (the one input binding whose type ends in "Trigger"), if any.</summary>
    public JsonElement? Trigger =>
        Bindings.Cast<JsonElement?>().FirstOrDefault(b => StringProperty(b!.Value, "type")?.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) == true);

    public string? TriggerType => Trigger is { } trigger ? StringProperty(trigger, "type") : null;

    public bool IsHttp => string.Equals(TriggerType, "httpTrigger", StringComparison.OrdinalIgnoreCase);

    /// <summary>The HTTP route template without the route prefix; like the host, the function name when unset.</summary>
    public string? Route => IsHttp ? StringProperty(Trigger!.Value, "route") ?? Name : null;

    /// <summary>The HTTP methods allowed; empty means any (and for non-HTTP functions).</summary>
    public IReadOnlyList<string> Methods =>
        IsHttp && Trigger!.Value.TryGetProperty("methods", out var methods) && methods.ValueKind == JsonValueKind.Array
            ? methods.EnumerateArray().Select(m => m.GetString()!).Where(m => m is not null).ToArray()
            : [];

    internal static string? StringProperty(JsonElement binding, string name)
    {
        // The worker camel-cases binding properties, but function.json authors vary; the host is case-insensitive.
        foreach (var property in binding.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
            {
                return property.Value.GetString();
            }
        }
        return null;
    }
}
