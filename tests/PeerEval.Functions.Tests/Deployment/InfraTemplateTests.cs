using System.Text.Json;
using System.Text.RegularExpressions;
using PeerEval.Functions.Tests.Infrastructure;
using PeerEval.Testing;

namespace PeerEval.Functions.Tests.Deployment;

/// <summary>Assertions on the ARM JSON the build compiles from infra/main.bicep.</summary>
public sealed class InfraTemplateTests
{
    private static readonly JsonElement Main = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "infra", "bin", "arm", "main.json"))).RootElement;

    /// <summary>The app module's template, nested in the subscription-scope deployment.</summary>
    private static readonly JsonElement App = Resources(Main).Single(r => r.GetProperty("type").GetString() == "Microsoft.Resources/deployments")
        .GetProperty("properties").GetProperty("template");

    private static IEnumerable<JsonElement> Resources(JsonElement template)
    {
        var resources = template.GetProperty("resources");
        // Symbolic-name templates keep resources in an object; classic ones in an array.
        return resources.ValueKind == JsonValueKind.Object ? resources.EnumerateObject().Select(p => p.Value) : resources.EnumerateArray();
    }

    private static JsonElement Resource(string type) => Resources(App).Single(r => r.GetProperty("type").GetString() == type);

    [Fact]
    public void Storage_forbids_shared_key_access()
    {
        var properties = Resource("Microsoft.Storage/storageAccounts").GetProperty("properties");
        Assert.False(properties.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(properties.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", properties.GetProperty("minimumTlsVersion").GetString());
    }

    [Fact]
    public void The_identity_holds_exactly_blob_owner_queue_and_table_contributor_on_the_storage_account()
    {
        var roles = App.GetProperty("variables").GetProperty("roles").EnumerateObject().Select(r => r.Value.GetString()).ToHashSet();
        Assert.Equal(new HashSet<string?>
        {
            "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner
            "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor
            "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
        }, roles);
        var assignment = Assert.Single(Resources(App), r => r.GetProperty("type").GetString() == "Microsoft.Authorization/roleAssignments");
        Assert.Equal("[length(items(variables('roles')))]", assignment.GetProperty("copy").GetProperty("count").GetString());
        Assert.Contains("items(variables('roles'))[copyIndex()]", assignment.GetProperty("properties").GetProperty("roleDefinitionId").GetString());
        Assert.Contains("userAssignedIdentities", assignment.GetProperty("properties").GetProperty("principalId").GetString());
        Assert.Contains("Microsoft.Storage/storageAccounts", assignment.GetProperty("scope").GetString());
    }

    [Fact]
    public void The_app_reaches_storage_by_identity_with_no_key_or_connection_string()
    {
        var site = Resource("Microsoft.Web/sites");
        var settings = site.GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").ToString());
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Contains("clientId", settings["AzureWebJobsStorage__clientId"]);
        foreach (var service in new[] { "blob", "queue", "table" })
            Assert.Contains($"primaryEndpoints.{service}", settings[$"AzureWebJobsStorage__{service}ServiceUri"]);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.DoesNotContain(settings.Values, v => v.Contains("listKeys", StringComparison.OrdinalIgnoreCase) || v.Contains("AccountKey", StringComparison.Ordinal));
        Assert.Contains("participantKey", settings["PeerEval__ParticipantKey"]);

        var config = site.GetProperty("properties").GetProperty("functionAppConfig");
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString()); // the .NET the app targets
        Assert.Equal("", settings["PeerEval__Storage__Prefix"]); // the queue trigger's %PeerEval:Storage:Prefix% resolves
        Assert.Equal("UserAssignedIdentity", config.GetProperty("deployment").GetProperty("storage").GetProperty("authentication").GetProperty("type").GetString());
        Assert.Equal("FlexConsumption", Resource("Microsoft.Web/serverfarms").GetProperty("sku").GetProperty("tier").GetString());
    }

    [Fact]
    public void The_participant_secret_is_a_secure_parameter_and_outputs_are_upper_snake_case()
    {
        Assert.Equal("securestring", Main.GetProperty("parameters").GetProperty("participantKey").GetProperty("type").GetString());
        var outputs = Main.GetProperty("outputs").EnumerateObject().Select(o => o.Name).ToList();
        Assert.Contains("AZURE_FUNCTION_APP_NAME", outputs);
        Assert.All(outputs, name => Assert.Matches(new Regex("^[A-Z][A-Z0-9_]*$"), name));
    }
}
