using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace PeerEval.FunctionsHost;

/// <summary>
/// Maps a request to an HTTP function the way the host does: "{routePrefix}/{route}" templates,
/// literal segments matched without regard to case, more specific templates first, and the
/// function's methods (any when it lists none). Inline route constraints are parsed but not enforced.
/// </summary>
internal sealed class RouteTable
{
    private readonly (LoadedFunction Function, TemplateMatcher Matcher, IReadOnlyList<string> Methods)[] _routes;

    public RouteTable(string routePrefix, IEnumerable<LoadedFunction> functions)
    {
        // The host keeps routes that start with "admin" for its own API, whatever the prefix, and
        // refuses to load such a function: so must its stand-in, or the app would only fail in Azure.
        if (functions.FirstOrDefault(f => f.IsHttp && f.Route!.TrimStart('/').StartsWith("admin", StringComparison.OrdinalIgnoreCase)) is { } reserved)
            throw new InvalidOperationException($"Function '{reserved.Name}': the specified route conflicts with one or more built in routes ('{reserved.Route}').");
        _routes = functions
            .Where(f => f.IsHttp)
            .Select(f => (Function: f, Template: TemplateParser.Parse(string.Join('/', new[] { routePrefix, f.Route!.Trim('/') }.Where(s => s.Length > 0)))))
            .OrderBy(r => RoutePrecedence.ComputeInbound(r.Template))
            .Select(r => (r.Function, new TemplateMatcher(r.Template, new RouteValueDictionary()), r.Function.Methods))
            .ToArray();
    }

    /// <summary>
    /// The function for the request and its route values, or null. A path that matches only with
    /// another method is a 404, as in the host (which has no endpoint for it either).
    /// </summary>
    public (LoadedFunction Function, RouteValueDictionary Values)? Match(string method, PathString path)
    {
        foreach (var (function, matcher, methods) in _routes)
        {
            var values = new RouteValueDictionary();
            if ((methods.Count == 0 || methods.Contains(method, StringComparer.OrdinalIgnoreCase)) && matcher.TryMatch(path, values))
            {
                return (function, values);
            }
        }
        return null;
    }
}
