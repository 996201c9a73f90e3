namespace PeerEval.Domain.Instruments;

/// <summary>
/// The instruments every deployment has. PeerEval's own forms carry wording written for PeerEval.
/// Published measures are shipped as structure only (item count, range, reversals, subscales,
/// scoring): their item wording is licensed, so item text is a placeholder that a licensed
/// service replaces with its own definition.
/// </summary>
public static class BuiltInInstruments
{
    private const string ProvisionalRci =
        "Reliable-change parameters are provisional defaults; replace them with values estimated from your own population.";

    public static readonly InstrumentDefinition HopeCore = new(
        "hope-core", 1, "Hope (PeerEval core)", HigherIsBetter: true,
        Items:
        [
            new("h1", "I can picture a future I would like to live in.", 1, 5, Subscale: "outlook"),
            new("h2", "When something gets in my way, I can think of more than one way around it.", 1, 5, Subscale: "pathways"),
            new("h3", "Most days feel pointless to me.", 1, 5, Reversed: true, Subscale: "outlook"),
            new("h4", "I have things I want to work towards.", 1, 5, Subscale: "pathways"),
            new("h5", "I believe things can get better for me.", 1, 5, Subscale: "outlook"),
            new("h6", "I feel stuck, with no way forward.", 1, 5, Reversed: true, Subscale: "pathways"),
            new("h7", "I know where I can turn for help when I need it.", 1, 5, Subscale: "pathways"),
            new("h8", "I have the energy to go after what matters to me.", 1, 5, Subscale: "outlook"),
        ],
        new InstrumentScoring(ScoringMethod.Sum, ProrateMaxMissing: 1, Subscales: ["outlook", "pathways"]),
        new ReliableChangeParameters(Sd: 6.0, Reliability: 0.85),
        ProvisionalRci,
        ["Not at all true", "A little true", "Somewhat true", "Mostly true", "Completely true"]);

    public static readonly InstrumentDefinition EmpowermentCore = new(
        "empowerment-core", 1, "Empowerment (PeerEval core)", HigherIsBetter: true,
        Items:
        [
            new("e1", "I feel good about who I am.", 1, 4, Subscale: "self-worth"),
            new("e2", "I can make decisions about my own life.", 1, 4, Subscale: "control"),
            new("e3", "Other people decide things for me without asking me.", 1, 4, Reversed: true, Subscale: "control"),
            new("e4", "I can speak up when something is not right.", 1, 4, Subscale: "voice"),
            new("e5", "When I say something, people listen.", 1, 4, Subscale: "voice"),
            new("e6", "I can do the things I set out to do.", 1, 4, Subscale: "self-worth"),
            new("e7", "I feel powerless to change my situation.", 1, 4, Reversed: true, Subscale: "control"),
            new("e8", "I know my rights when I use services.", 1, 4, Subscale: "voice"),
            new("e9", "I can work with others to change things that matter to us.", 1, 4, Subscale: "voice"),
            new("e10", "I have a say in my own care and support.", 1, 4, Subscale: "control"),
        ],
        new InstrumentScoring(ScoringMethod.Mean, ProrateMaxMissing: 2, Subscales: ["self-worth", "control", "voice"]),
        new ReliableChangeParameters(Sd: 0.45, Reliability: 0.82),
        ProvisionalRci,
        ["Strongly disagree", "Disagree", "Agree", "Strongly agree"]);

    public static readonly InstrumentDefinition HerthHopeIndex = Published(
        "herth-hope-index", "Herth Hope Index (structure only)", 12, 1, 4, ScoringMethod.Sum, prorateMaxMissing: 1,
        reversed: [3, 6],
        notice: "Licensed measure: item wording is not shipped. Add your licensed wording as your own instrument definition.");

    public static readonly InstrumentDefinition AdultHopeScale = Published(
        "adult-hope-scale", "Adult Hope Scale (structure only)", 12, 1, 8, ScoringMethod.Sum, prorateMaxMissing: 0,
        subscales: new() { ["agency"] = [2, 9, 10, 12], ["pathways"] = [1, 4, 6, 8] },
        fillers: [3, 5, 7, 11],
        notice: "Item wording is not shipped. Items 3, 5, 7 and 11 are fillers: asked, never scored.");

    public static readonly InstrumentDefinition StateHopeScale = Published(
        "state-hope-scale", "State Hope Scale (structure only)", 6, 1, 8, ScoringMethod.Sum, prorateMaxMissing: 0,
        subscales: new() { ["agency"] = [2, 4, 6], ["pathways"] = [1, 3, 5] },
        notice: "Item wording is not shipped.");

    public static readonly InstrumentDefinition Qpr15 = Published(
        "qpr-15", "Questionnaire about the Process of Recovery, 15 items (structure only)", 15, 0, 4, ScoringMethod.Sum, prorateMaxMissing: 1,
        notice: "Item wording is not shipped.");

    public static readonly InstrumentDefinition EmpowermentScale = Published(
        "empowerment-scale-28", "Empowerment Scale, 28 items (structure only)", 28, 1, 4, ScoringMethod.Mean, prorateMaxMissing: 2,
        notice: "Licensed measure: the scoring key (reversed items and subscales) must come from the licence holder. " +
                "None is set here, so totals are unkeyed until a service supplies the keyed definition.");

    public static IReadOnlyList<InstrumentDefinition> All { get; } =
        [HopeCore, EmpowermentCore, HerthHopeIndex, AdultHopeScale, StateHopeScale, Qpr15, EmpowermentScale];

    private static InstrumentDefinition Published(
        string id, string title, int itemCount, int min, int max, ScoringMethod method, int prorateMaxMissing,
        string notice, int[]? reversed = null, Dictionary<string, int[]>? subscales = null, int[]? fillers = null)
    {
        var items = Enumerable.Range(1, itemCount).Select(n => new InstrumentItem(
            Id: $"q{n}",
            Text: $"Item {n} (licensed wording not shipped)",
            Min: min,
            Max: max,
            Reversed: reversed?.Contains(n) ?? false,
            Subscale: subscales?.FirstOrDefault(s => s.Value.Contains(n)).Key,
            Scored: !(fillers?.Contains(n) ?? false))).ToList();
        return new InstrumentDefinition(id, 1, title, HigherIsBetter: true, items,
            new InstrumentScoring(method, prorateMaxMissing, subscales?.Keys.ToList()), Notice: notice);
    }
}
