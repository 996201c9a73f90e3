namespace PeerEval.Functions.Hosting;

public static class Routes
{
    /// <summary>Service ids are lowercase slugs: safe as storage keys and in URLs.</summary>
    public const string ServiceIdPattern = "^[a-z0-9][a-z0-9-]{0,62}$";

    public const string ServiceIdConstraint = "regex(^[a-z0-9][a-z0-9-]{{0,62}}$)";
}
