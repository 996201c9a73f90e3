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

    private static List<JsonElement> AllResources(string type) => Resources(App).Where(r => r.GetProperty("type").GetString() == type).ToList();

    private static Dictionary<string, string> AppSettings() => Resource("Microsoft.Web/sites").GetProperty("properties").GetProperty("siteConfig")
        .GetProperty("appSettings").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").ToString());

    /// <summary>The one role assignment granting a built-in role, found by its id through the template's roles variable.</summary>
    private static JsonElement RoleAssignment(string roleId)
    {
        var key = App.GetProperty("variables").GetProperty("roles").EnumerateObject().Single(r => r.Value.GetString() == roleId).Name;
        return Assert.Single(AllResources("Microsoft.Authorization/roleAssignments"),
            r => r.GetProperty("properties").GetProperty("roleDefinitionId").GetString()!.Contains($"variables('roles').{key})", StringComparison.Ordinal));
    }

    [Fact]
    public void Storage_forbids_shared_key_access()
    {
        var properties = Resource("Microsoft.Storage/storageAccounts").GetProperty("properties");
        Assert.False(properties.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(properties.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", properties.GetProperty("minimumTlsVersion").GetString());
    }

    [Fact]
    public void The_identity_holds_blob_queue_and_table_contributor_on_the_storage_account_and_blob_owner_only_on_the_package_container()
    {
        var roles = App.GetProperty("variables").GetProperty("roles");
        var accountRoles = App.GetProperty("variables").GetProperty("accountRoles").EnumerateArray()
            .Select(r => roles.GetProperty(r.GetString()!.Replace("[variables('roles').", "", StringComparison.Ordinal).TrimEnd(']')).GetString())
            .ToHashSet();
        Assert.Equal(new HashSet<string?>
        {
            "ba92f5b4-2d11-453d-a403-e96b0029c9fe", // Storage Blob Data Contributor (the host's own containers)
            "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor
            "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
        }, accountRoles);
        var onAccount = Assert.Single(AllResources("Microsoft.Authorization/roleAssignments"), r => r.TryGetProperty("copy", out _));
        Assert.Equal("[length(variables('accountRoles'))]", onAccount.GetProperty("copy").GetProperty("count").GetString());
        Assert.Contains("variables('accountRoles')[copyIndex()]", onAccount.GetProperty("properties").GetProperty("roleDefinitionId").GetString());
        Assert.Contains("userAssignedIdentities", onAccount.GetProperty("properties").GetProperty("principalId").GetString());
        Assert.StartsWith("[resourceId('Microsoft.Storage/storageAccounts',", onAccount.GetProperty("scope").GetString());

        var owner = RoleAssignment("b7e6dc6d-f1e8-4753-8033-0f276bb0955b"); // Storage Blob Data Owner
        Assert.StartsWith("[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers',", owner.GetProperty("scope").GetString());
        Assert.Contains("variables('deploymentContainer')", owner.GetProperty("scope").GetString());
        Assert.Contains("userAssignedIdentities", owner.GetProperty("properties").GetProperty("principalId").GetString());
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
        Assert.StartsWith("[format('@Microsoft.KeyVault(", settings["PeerEval__ParticipantKey"]);

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
        Assert.Equal("securestring", Main.GetProperty("parameters").GetProperty("formSigningKey").GetProperty("type").GetString());
        Assert.Equal("securestring", App.GetProperty("parameters").GetProperty("participantKey").GetProperty("type").GetString());
        Assert.Equal("securestring", App.GetProperty("parameters").GetProperty("formSigningKey").GetProperty("type").GetString());
        var outputs = Main.GetProperty("outputs").EnumerateObject().Select(o => o.Name).ToList();
        Assert.Contains("AZURE_FUNCTION_APP_NAME", outputs);
        Assert.All(outputs, name => Assert.Matches(new Regex("^[A-Z][A-Z0-9_]*$"), name));
    }

    [Fact]
    public void The_app_secrets_are_key_vault_references_the_identity_reads_from_an_rbac_vault()
    {
        var vault = Resource("Microsoft.KeyVault/vaults").GetProperty("properties");
        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.True(vault.GetProperty("enableSoftDelete").GetBoolean());
        Assert.Empty(vault.GetProperty("accessPolicies").EnumerateArray());
        var secretValues = AllResources("Microsoft.KeyVault/vaults/secrets").Select(s => s.GetProperty("properties").GetProperty("value").GetString()).ToHashSet();
        Assert.Equal(new HashSet<string?> { "[parameters('participantKey')]", "[parameters('formSigningKey')]" }, secretValues);

        var reader = RoleAssignment("4633458b-17de-408a-b874-0445c86b69e6"); // Key Vault Secrets User
        Assert.StartsWith("[resourceId('Microsoft.KeyVault/vaults',", reader.GetProperty("scope").GetString());
        Assert.Contains("userAssignedIdentities", reader.GetProperty("properties").GetProperty("principalId").GetString());

        var site = Resource("Microsoft.Web/sites").GetProperty("properties");
        Assert.StartsWith("[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities',", site.GetProperty("keyVaultReferenceIdentity").GetString());
        var settings = AppSettings();
        foreach (var (setting, parameter) in new[] { ("PeerEval__ParticipantKey", "participantKey"), ("PeerEval__FormSigningKey", "formSigningKey") })
        {
            // Compiled, the setting is a format() whose literal is the reference: @Microsoft.KeyVault(VaultName=...;SecretName=...).
            Assert.StartsWith("[format('@Microsoft.KeyVault(", settings[setting]);
            Assert.Contains($"variables('secretNames').{parameter}", settings[setting]);
        }
        Assert.DoesNotContain(settings.Values, v => v.Contains("parameters('participantKey')", StringComparison.Ordinal) || v.Contains("parameters('formSigningKey')", StringComparison.Ordinal));
    }

    [Fact]
    public void Application_Insights_refuses_local_auth_and_the_identity_publishes_telemetry()
    {
        Assert.True(Resource("Microsoft.Insights/components").GetProperty("properties").GetProperty("DisableLocalAuth").GetBoolean());
        var publisher = RoleAssignment("3913510d-42f4-4e42-8a64-420c390055eb"); // Monitoring Metrics Publisher
        Assert.StartsWith("[resourceId('Microsoft.Insights/components',", publisher.GetProperty("scope").GetString());
        Assert.Contains("userAssignedIdentities", publisher.GetProperty("properties").GetProperty("principalId").GetString());
        var authentication = AppSettings()["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];
        Assert.StartsWith("[format('Authorization=AAD;ClientId={0}'", authentication);
        Assert.Contains("userAssignedIdentities", authentication);
    }

    [Fact]
    public void Basic_publishing_credentials_are_off_for_ftp_and_scm()
    {
        var policies = AllResources("Microsoft.Web/sites/basicPublishingCredentialsPolicies");
        foreach (var name in new[] { "ftp", "scm" })
        {
            var policy = Assert.Single(policies, p => p.GetProperty("name").GetString()!.EndsWith($"'{name}')]", StringComparison.Ordinal));
            Assert.False(policy.GetProperty("properties").GetProperty("allow").GetBoolean());
        }
    }

    [Fact]
    public void Storage_blob_queue_and_table_services_send_read_write_and_delete_logs_to_the_workspace()
    {
        var diagnostics = AllResources("Microsoft.Insights/diagnosticSettings");
        foreach (var service in new[] { "blobServices", "queueServices", "tableServices" })
        {
            var setting = Assert.Single(diagnostics, d => d.GetProperty("scope").GetString()!.StartsWith($"[resourceId('Microsoft.Storage/storageAccounts/{service}',", StringComparison.Ordinal));
            Assert.StartsWith("[resourceId('Microsoft.OperationalInsights/workspaces',", setting.GetProperty("properties").GetProperty("workspaceId").GetString());
            Assert.Equal("[variables('storageLogs')]", setting.GetProperty("properties").GetProperty("logs").GetString());
        }
        var categories = App.GetProperty("variables").GetProperty("storageLogs").EnumerateArray()
            .Where(l => l.GetProperty("enabled").GetBoolean()).Select(l => l.GetProperty("category").GetString()).ToHashSet();
        Assert.Equal(new HashSet<string?> { "StorageRead", "StorageWrite", "StorageDelete" }, categories);
    }
}
