using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests;

/// <summary>The Functions host only forwards what function.json declares, so the folders and the app must agree exactly.</summary>
public sealed class FunctionManifestTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(new Dictionary<string, string?> { ["PeerEval:Queue:ListenerEnabled"] = "false" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static IEnumerable<(string Function, JsonElement Binding)> Triggers() =>
        Directory.GetFiles(Repo.FunctionsProject, "function.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Select(f => (Path.GetFileName(Path.GetDirectoryName(f))!, JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("bindings")[0]));

    private HashSet<string> AppRoutes() =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal) && e.Metadata.GetMetadata<IHttpMethodMetadata>() is not null)
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {Normalize(e.RoutePattern)}"))
            .ToHashSet();

    /// <summary>"/api/reports/{serviceId:regex(...)}" and "reports/{serviceId}" both become "api/reports/{serviceId}".</summary>
    private static string Normalize(Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern) =>
        string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart pp => "{" + pp.Name + "}",
            _ => "",
        }))));

    private static HashSet<string> FunctionRoutes() =>
        Triggers().Where(t => t.Binding.GetProperty("type").GetString() == "httpTrigger")
            .SelectMany(t => t.Binding.GetProperty("methods").EnumerateArray()
                .Select(m => $"{m.GetString()!.ToUpperInvariant()} {Normalize(Microsoft.AspNetCore.Routing.Patterns.RoutePatternFactory.Parse("api/" + t.Binding.GetProperty("route").GetString()))}"))
            .ToHashSet();

    [Fact]
    public void Every_http_function_is_served_by_the_app()
    {
        Assert.Contains("POST api/services/{serviceId}/submissions", FunctionRoutes());
        Assert.Empty(FunctionRoutes().Except(AppRoutes()));
    }

    [Fact]
    public void Every_api_route_of_the_app_has_a_function_so_the_host_forwards_it()
    {
        Assert.Contains("GET api/reports/{serviceId}", AppRoutes());
        Assert.Empty(AppRoutes().Except(FunctionRoutes()));
    }

    [Fact]
    public void The_queue_function_is_bound_to_the_submissions_queue_as_message()
    {
        var (name, binding) = Assert.Single(Triggers(), t => t.Binding.GetProperty("type").GetString() == "queueTrigger");
        Assert.Equal("AggregateSubmission", name);
        Assert.Equal("message", binding.GetProperty("name").GetString());
        Assert.Equal("submissions", binding.GetProperty("queueName").GetString());
        Assert.Equal("AzureWebJobsStorage", binding.GetProperty("connection").GetString());
    }

    [Fact]
    public void Host_json_runs_the_app_as_a_custom_handler_with_the_contracts_queue_settings()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.FunctionsProject, "host.json"))).RootElement;
        Assert.Equal("2.0", host.GetProperty("version").GetString());
        var handler = host.GetProperty("customHandler");
        Assert.Equal("PeerEval.Functions", handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.True(handler.GetProperty("enableForwardingHttpRequest").GetBoolean());
        Assert.Equal("api", host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        Assert.Equal(5, host.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32());
    }
}
