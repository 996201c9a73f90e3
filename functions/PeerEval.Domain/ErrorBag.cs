namespace PeerEval.Domain;

/// <summary>Collects validation messages by JSON path, in the shape problem details carry.</summary>
public sealed class ErrorBag
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public void Add(string path, string message)
    {
        if (!_errors.TryGetValue(path, out var list))
            _errors[path] = list = [];
        list.Add(message);
    }

    public Dictionary<string, List<string>> ToDictionary() => new(_errors, StringComparer.Ordinal);

    public Dictionary<string, string[]> ToProblemErrors() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
