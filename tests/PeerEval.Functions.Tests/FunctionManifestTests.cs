using System.Text.Json;
using System.Text.RegularExpressions;
using PeerEval.Functions.Hosting;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests;

/// <summary>
/// The function attributes are the one route table. The build turns them into functions.metadata,
/// which is what the Functions host reads; the contract names the routes the outside world relies on.
/// </summary>
public sealed partial class FunctionManifestTests
{
    /// <summary>Contract routes whose issues are still open; each leaves this list when its functions exist.</summary>
    private static readonly HashSet<string> NotYetBuilt = [];

    private static JsonElement[] Metadata() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.FunctionsApp, "functions.metadata"))).RootElement.EnumerateArray().ToArray();

    private static HashSet<string> MetadataRoutes() =>
        Metadata().Select(f => f.GetProperty("bindings")[0]).Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .SelectMany(b => b.GetProperty("methods").EnumerateArray().Select(m => $"{m.GetString()!.ToUpperInvariant()} api/{b.GetProperty("route").GetString()}"))
            .ToHashSet();

    [GeneratedRegex(@"(GET|POST|PUT|DELETE)(?:/(GET|POST|PUT|DELETE))? `/(api/[^`]+)`")]
    private static partial Regex ContractRoute();

    private static HashSet<string> ContractRoutes() =>
        File.ReadLines(Path.Combine(Repo.Root, "..", "shared", "api-v1.md"))
            .Where(l => l.StartsWith("| GET", StringComparison.Ordinal) || l.StartsWith("| POST", StringComparison.Ordinal))
            .SelectMany(l => ContractRoute().Matches(l))
            .SelectMany(m => new[] { m.Groups[1].Value, m.Groups[2].Value }.Where(v => v.Length > 0).Select(method => $"{method} {m.Groups[3].Value}"))
            .ToHashSet();

    [Fact]
    public void The_built_functions_metadata_serves_every_route_of_the_contract()
    {
        var contract = ContractRoutes();
        Assert.Contains("POST api/services/{serviceId}/submissions", contract);
        Assert.Contains("POST api/forms/{serviceId}", contract);
        Assert.Empty(contract.Except(MetadataRoutes()).Except(NotYetBuilt));
        Assert.Empty(NotYetBuilt.Intersect(MetadataRoutes())); // built: take it off the list
    }

    [Fact]
    public void Report_figures_carry_exactly_the_fields_the_contract_names()
    {
        var contract = string.Join(' ', File.ReadLines(Path.Combine(Repo.Root, "..", "shared", "api-v1.md")).Select(l => l.Trim()));
        string[] Fields(string opening) =>
            Regex.Match(contract, Regex.Escape(opening) + @"\s*\{([^{}]+)\}").Groups[1].Value.Split(',', StringSplitOptions.TrimEntries);
        string[] Properties(Type type) => type.GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).ToArray();

        Assert.Equal(Fields("cell ="), Properties(typeof(Contracts.Cell)));
        Assert.Equal(Fields("\"followup\" | \"discharge\":"), Properties(typeof(Contracts.ChangeFigures)));
        Assert.Equal(Fields("lengthOfStay:"), Properties(typeof(Contracts.LengthOfStayFigures)));
        var counts = Regex.Match(contract, @"figures = \{\s*(\w+),\s*(\w+),");
        Assert.Equal(["period", counts.Groups[1].Value, counts.Groups[2].Value, "instruments", "lengthOfStay"], Properties(typeof(Contracts.PeriodFigures)));
    }

    [Fact]
    public void The_metadata_the_host_reads_matches_the_function_attributes_both_ways()
    {
        var declared = FunctionCatalog.HttpFunctions.SelectMany(f => f.Methods.Select(m => $"{m} {f.Path.TrimStart('/')}")).ToHashSet();
        Assert.Equal(declared.Order(), MetadataRoutes().Order());
    }

    [Fact]
    public void The_queue_functions_watch_the_prefixed_submissions_and_network_queues_through_the_storage_connection()
    {
        var bindings = Metadata().Select(f => (Name: f.GetProperty("name").GetString(), Binding: f.GetProperty("bindings")[0]))
            .Where(f => f.Binding.GetProperty("type").GetString() == "queueTrigger")
            .ToDictionary(f => f.Name!, f => f.Binding);
        Assert.Equal(["AggregateSubmission", "FoldIntoNetwork"], bindings.Keys.Order());
        Assert.Equal("%PeerEval:Storage:Prefix%submissions", bindings["AggregateSubmission"].GetProperty("queueName").GetString());
        Assert.Equal("%PeerEval:Storage:Prefix%network", bindings["FoldIntoNetwork"].GetProperty("queueName").GetString());
        Assert.All(bindings.Values, b => Assert.Equal("AzureWebJobsStorage", b.GetProperty("connection").GetString()));
    }

    [Fact]
    public void No_route_claims_the_hosts_reserved_admin_prefix()
    {
        // The Functions host refuses any function whose route starts with "admin", whatever the route prefix.
        Assert.DoesNotContain(FunctionCatalog.HttpFunctions, f => f.Route.StartsWith("admin", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Every_function_entry_point_resolves_to_its_method_so_authorization_can_read_it()
    {
        foreach (var function in Metadata())
            Assert.NotNull(FunctionCatalog.MethodOf(function.GetProperty("entryPoint").GetString()!));
    }

    [Fact]
    public void Host_json_has_the_contracts_route_prefix_and_queue_settings_and_no_custom_handler()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.FunctionsApp, "host.json"))).RootElement;
        Assert.Equal("2.0", host.GetProperty("version").GetString());
        Assert.False(host.TryGetProperty("customHandler", out _));
        Assert.Equal("api", host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        var queues = host.GetProperty("extensions").GetProperty("queues");
        Assert.Equal(5, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        var worker = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.FunctionsApp, "worker.config.json"))).RootElement.GetProperty("description");
        Assert.Equal("dotnet-isolated", worker.GetProperty("language").GetString());
    }

    [Fact]
    public async Task The_worker_reports_to_the_host_exactly_the_functions_in_its_metadata()
    {
        await using var app = await TestApp.StartAsync(queueTriggers: false);
        Assert.Equal(Metadata().Select(f => f.GetProperty("name").GetString()).Order(), app.Host.Functions.Select(f => f.Name).Order());
    }
}
