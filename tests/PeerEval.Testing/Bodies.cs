namespace PeerEval.Testing;

/// <summary>Builds submission bodies as a service would send them.</summary>
public static class Bodies
{
    public static Dictionary<string, object?> Hope(string participant, string occasion, string completedOn, int[] answers, object? stay = null, string? id = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["submissionId"] = id ?? Guid.NewGuid().ToString(),
            ["participantRef"] = participant,
            ["occasion"] = occasion,
            ["completedOn"] = completedOn,
            ["responses"] = new[]
            {
                new { instrument = "hope-core", answers = answers.Select((v, i) => (Key: $"h{i + 1}", Value: v)).ToDictionary(x => x.Key, x => (int?)x.Value) },
            },
        };
        if (stay is not null)
            body["stay"] = stay;
        return body;
    }

    /// <summary>All eight hope-core items at one value; h3 and h6 are reversed, so the score is 6v + 2(6 - v).</summary>
    public static int[] Uniform(int value) => Enumerable.Repeat(value, 8).ToArray();
}
