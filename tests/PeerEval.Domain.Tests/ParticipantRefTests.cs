using PeerEval.Domain.Submissions;

namespace PeerEval.Domain.Tests;

public sealed class ParticipantRefTests
{
    [Theory]
    [InlineData("Jos\u00e9-12", "Jos\u00e9-12")]
    [InlineData("  Jose\u0301-12\t", "Jos\u00e9-12")] // decomposed accent and stray spaces: the same person
    [InlineData("\u212b", "\u00c5")] // the angstrom sign is the letter it looks like
    public void A_reference_is_read_trimmed_and_in_unicode_nfc(string given, string read) =>
        Assert.Equal(read, ParticipantRefs.Normalize(given, out _));

    [Fact]
    public void A_reference_that_names_no_one_is_refused_with_a_reason()
    {
        // Not as theory data: a lone surrogate does not survive the test runner's serialisation.
        foreach (var (given, problem) in new[] { (" \t", "Required."), ("p\ud800", "Must be valid Unicode text.") })
        {
            Assert.Null(ParticipantRefs.Normalize(given, out var reason));
            Assert.Equal(problem, reason);
        }
    }

    [Fact]
    public void The_length_limit_applies_after_trimming() =>
        Assert.NotNull(ParticipantRefs.Normalize(new string('x', ParticipantRefs.MaxLength) + "   ", out _));
}
