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

    private static readonly string[] AgreeFive = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"];

    /// <summary>Engagement in community life, asked as counts of days in the last four weeks (0 to 28), summed.</summary>
    public static readonly InstrumentDefinition CommunityCore = new(
        "community-core", 1, "Community life (PeerEval core)", HigherIsBetter: true,
        Items:
        [
            new("c1", "In the last four weeks, on how many days did you do an activity you chose outside your home, such as a class, a club, sport, volunteering or a faith or hobby group?", 0, 28, Subscale: "activity", Count: true),
            new("c2", "In the last four weeks, on how many days did you go to a group or meeting with other people that was not an appointment with a service?", 0, 28, Subscale: "activity", Count: true),
            new("c3", "In the last four weeks, on how many days did you spend time with, or talk to, someone who is not paid to support you, such as family, friends or neighbours?", 0, 28, Subscale: "connection", Count: true),
            new("c4", "In the last four weeks, on how many days did you use a place in your community, such as a library, park, leisure centre, café or community centre?", 0, 28, Subscale: "resources", Count: true),
            new("c5", "In the last four weeks, on how many days did you do paid work, study or training?", 0, 28, Subscale: "activity", Count: true),
        ],
        new InstrumentScoring(ScoringMethod.Sum, ProrateMaxMissing: 1, Subscales: ["activity", "connection", "resources"]));

    /// <summary>A peer worker about themselves: their own recovery, and how the role treats them.</summary>
    public static readonly InstrumentDefinition PeerWorkerCore = new(
        "peer-worker-core", 1, "Your recovery and your role (PeerEval core)", HigherIsBetter: true,
        Items:
        [
            new("p1", "My own recovery feels stronger since I started this work.", 1, 5, Subscale: "own-recovery"),
            new("p2", "I can use my own experience in ways that help the people I support.", 1, 5, Subscale: "role"),
            new("p3", "My team values what I bring as a peer worker.", 1, 5, Subscale: "role"),
            new("p4", "I feel I have to hide parts of my own story at work.", 1, 5, Reversed: true, Subscale: "role"),
            new("p5", "I have the support I need to look after my own wellbeing at work.", 1, 5, Subscale: "role"),
            new("p6", "I feel hopeful about my own future.", 1, 5, Subscale: "own-recovery"),
            new("p7", "This work drains me in a way that sets my own recovery back.", 1, 5, Reversed: true, Subscale: "own-recovery"),
            new("p8", "I am clear about what my role is, and what it is not.", 1, 5, Subscale: "role"),
        ],
        new InstrumentScoring(ScoringMethod.Sum, ProrateMaxMissing: 1, Subscales: ["own-recovery", "role"]),
        AnswerLabels: AgreeFive,
        Respondent: Respondent.PeerWorker);

    /// <summary>Team members on how optimistic they are about the recovery of the people they serve.</summary>
    public static readonly InstrumentDefinition StaffRecoveryCore = new(
        "staff-recovery-core", 1, "Recovery in your team (PeerEval core)", HigherIsBetter: true,
        Items:
        [
            new("s1", "Most people who use this service can build a life they value.", 1, 5),
            new("s2", "People can recover even while some of their difficulties continue.", 1, 5),
            new("s3", "I expect most of the people I work with to stay unwell in the long term.", 1, 5, Reversed: true),
            new("s4", "Hearing how a peer worker recovered gives me more hope for the people I support.", 1, 5),
            new("s5", "It is realistic for people to move on from needing this service.", 1, 5),
            new("s6", "Working alongside peer workers has changed how I think about recovery.", 1, 5),
        ],
        new InstrumentScoring(ScoringMethod.Sum, ProrateMaxMissing: 1),
        AnswerLabels: AgreeFive,
        Respondent: Respondent.Staff);

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

    public static readonly InstrumentDefinition Qpr15PeerWorker = Published(
        "qpr-15-peer-worker", "Questionnaire about the Process of Recovery, 15 items, answered by peer workers about themselves (structure only)",
        15, 0, 4, ScoringMethod.Sum, prorateMaxMissing: 1, respondent: Respondent.PeerWorker,
        notice: "Item wording is not shipped. The same structure as qpr-15, kept apart so that peer workers' own figures never pool with those of the people they support.");

    public static readonly InstrumentDefinition SocialInclusionScale = Published(
        "social-inclusion-scale", "Social Inclusion Scale (structure only)", 22, 1, 4, ScoringMethod.Sum, prorateMaxMissing: 2,
        notice: "Licensed measure (Secker and colleagues): item wording is not shipped. It has three subscales (social isolation, " +
                "social relations, social acceptance); take their items and any reversed items from the licence holder's scoring guide.");

    public static readonly InstrumentDefinition Raq7 = Published(
        "raq-7", "Recovery Attitudes Questionnaire, 7 items (structure only)", 7, 1, 5, ScoringMethod.Sum, prorateMaxMissing: 0,
        respondent: Respondent.Staff,
        notice: "Item wording is not shipped. Its two factors (recovery is possible and needs faith; recovery is difficult and " +
                "differs among people) come from the published scoring; add them with your licensed wording.");

    public static readonly InstrumentDefinition EmpowermentScale = Published(
        "empowerment-scale-28", "Empowerment Scale, 28 items (structure only)", 28, 1, 4, ScoringMethod.Mean, prorateMaxMissing: 2,
        notice: "Licensed measure: the scoring key (reversed items and subscales) must come from the licence holder. " +
                "None is set here, so totals are unkeyed until a service supplies the keyed definition.");

    public static IReadOnlyList<InstrumentDefinition> All { get; } =
        [HopeCore, EmpowermentCore, CommunityCore, PeerWorkerCore, StaffRecoveryCore, HerthHopeIndex, AdultHopeScale, StateHopeScale, Qpr15,
         Qpr15PeerWorker, SocialInclusionScale, Raq7, EmpowermentScale];

    private static InstrumentDefinition Published(
        string id, string title, int itemCount, int min, int max, ScoringMethod method, int prorateMaxMissing,
        string notice, int[]? reversed = null, Dictionary<string, int[]>? subscales = null, int[]? fillers = null,
        Respondent respondent = Respondent.Person)
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
            new InstrumentScoring(method, prorateMaxMissing, subscales?.Keys.ToList()), Notice: notice, Respondent: respondent);
    }
}
