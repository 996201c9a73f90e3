using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace PeerEval.Functions.Hosting;

/// <summary>A query parameter a function reads, for the OpenAPI document.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class QueryParameterAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;
    public string Description { get; } = description;
}

/// <summary>One HTTP function as its attributes declare it: the app's only route table.</summary>
public sealed record HttpFunction(
    string Name, IReadOnlyList<string> Methods, string Route, string? Policy, IReadOnlyList<ProducesResponseTypeAttribute> Responses, MethodInfo Method)
{
    public const string RoutePrefix = "api";

    public string Path => $"/{RoutePrefix}/{Route}";
}

/// <summary>
/// Reads the [Function] methods of this assembly. The OpenAPI document, the authorization middleware
/// and the tests all take routes and policies from here, so nothing can drift from the attributes.
/// </summary>
public static class FunctionCatalog
{
    private static readonly ConcurrentDictionary<string, MethodInfo?> ByEntryPoint = new();

    // Declared before HttpFunctions, whose initializer reads policies: the authorization middleware asks on every request.
    private static readonly ConcurrentDictionary<MethodInfo, string?> Policies = new();

    public static IReadOnlyList<HttpFunction> HttpFunctions { get; } = Read();

    /// <summary>The method behind an invocation, from the entry point the worker reports ("Namespace.Type.Method").</summary>
    public static MethodInfo? MethodOf(string entryPoint) => ByEntryPoint.GetOrAdd(entryPoint, static entry =>
    {
        var dot = entry.LastIndexOf('.');
        return dot < 0 ? null : typeof(FunctionCatalog).Assembly.GetType(entry[..dot])?.GetMethod(entry[(dot + 1)..]);
    });

    /// <summary>
    /// The policy of a function's [Authorize], on the method or else on its class; null for a public
    /// function. An [Authorize] that names no policy is a mistake, refused rather than read as public.
    /// </summary>
    public static string? PolicyOf(MethodInfo method) => Policies.GetOrAdd(method, ReadPolicy);

    private static string? ReadPolicy(MethodInfo method) =>
        (method.GetCustomAttribute<AuthorizeAttribute>() ?? method.DeclaringType?.GetCustomAttribute<AuthorizeAttribute>()) is { } authorize
            ? authorize.Policy ?? throw new InvalidOperationException($"[Authorize] on {method.DeclaringType?.Name}.{method.Name} names no policy.")
            : null;

    private static List<HttpFunction> Read() =>
        typeof(FunctionCatalog).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>(),
                Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(x => x.Function is not null && x.Trigger is not null)
            .Select(x => new HttpFunction(
                x.Function!.Name,
                (x.Trigger!.Methods ?? []).Select(v => v.ToUpperInvariant()).ToList(),
                x.Trigger.Route ?? x.Function.Name,
                PolicyOf(x.Method),
                x.Method.GetCustomAttributes<ProducesResponseTypeAttribute>().ToList(),
                x.Method))
            .OrderBy(f => f.Route, StringComparer.Ordinal)
            .ToList();
}
