using System.Text.RegularExpressions;
using PeerEval.Functions.Hosting;

namespace PeerEval.Functions.Tests.Infrastructure;

public static class HttpFunctionRoutes
{
    /// <summary>Whether the host would route this request to the function: its method, and its route with any value in each parameter (literals in any case, as the host matches them).</summary>
    public static bool Serves(this HttpFunction function, string method, string path) =>
        function.Methods.Contains(method)
        && Regex.IsMatch(path, "^" + Regex.Replace(function.Path, "{[^}]+}", "[^/]+") + "/?$", RegexOptions.IgnoreCase);
}
