using System.Text;
using Azure.Data.Tables;

namespace PeerEval.Functions.Storage;

/// <summary>
/// Stores long text across several string properties: one property holds at most 32K characters,
/// while an entity may hold about 1 MB.
/// </summary>
public static class EntityText
{
    private const int ChunkLength = 30_000;
    private const int MaxChunks = 15;

    public static void Write(TableEntity entity, string name, string text)
    {
        var chunks = (text.Length + ChunkLength - 1) / ChunkLength;
        if (chunks > MaxChunks)
            throw new InvalidOperationException($"'{name}' is {text.Length} characters, more than one entity may hold.");
        entity[name] = text.Length <= ChunkLength ? text : text[..ChunkLength];
        for (var i = 1; i < MaxChunks; i++)
        {
            var key = $"{name}_{i}";
            if (i < chunks)
                entity[key] = text.Substring(i * ChunkLength, Math.Min(ChunkLength, text.Length - i * ChunkLength));
            else
                entity.Remove(key);
        }
    }

    public static string? Read(TableEntity entity, string name)
    {
        if (entity.GetString(name) is not { } first)
            return null;
        if (!entity.ContainsKey($"{name}_1"))
            return first;
        var text = new StringBuilder(first);
        for (var i = 1; entity.GetString($"{name}_{i}") is { } next; i++)
            text.Append(next);
        return text.ToString();
    }
}
