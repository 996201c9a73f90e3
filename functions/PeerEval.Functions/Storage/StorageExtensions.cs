using System.ComponentModel.DataAnnotations;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using PeerEval.Functions.Hosting;

namespace PeerEval.Functions.Storage;

public sealed class StorageOptions
{
    /// <summary>The setting, as the queue trigger's binding expression names it.</summary>
    public const string PrefixSetting = "PeerEval:Storage:Prefix";

    /// <summary>Prepended to every table and queue name, so tests and deployments can share an account.</summary>
    [RegularExpression("^[a-z][a-z0-9]{0,20}$|^$")]
    public string Prefix { get; set; } = "";

    /// <summary>Tries after the first for a failed storage call (the Azure SDK's default is 3); a caller that retries itself wants 0.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;
}

/// <summary>Every table and queue the app uses, with the configured prefix applied once, here.</summary>
public sealed class StorageNames(string prefix)
{
    public const string SubmissionQueueName = "submissions";
    public const string NetworkQueueName = "network";

    public string Submissions => prefix + "submissions";
    public string Participants => prefix + "participants";
    public string Reports => prefix + "reports";
    public string Keys => prefix + "keys";
    public string Services => prefix + "services";
    public string Instruments => prefix + "instruments";
    public string Failures => prefix + "failures";
    public string AuditLog => prefix + "audit";
    public string Invitations => prefix + "invitations";
    public string SubmissionQueue => prefix + SubmissionQueueName;
    public string PoisonQueue => SubmissionQueue + "-poison";
    public string NetworkQueue => prefix + NetworkQueueName;
    public string NetworkPoisonQueue => NetworkQueue + "-poison";

    public IEnumerable<string> Tables => [Submissions, Participants, Reports, Keys, Services, Instruments, Failures, AuditLog, Invitations];
    public IEnumerable<string> Queues => [SubmissionQueue, PoisonQueue, NetworkQueue, NetworkPoisonQueue];
}

/// <summary>The app's storage: one table client per table, and the submission and network queues.</summary>
public sealed class StorageClients(TableServiceClient tables, QueueServiceClient queues, StorageNames names)
{
    public StorageNames Names => names;
    public TableClient Submissions { get; } = tables.GetTableClient(names.Submissions);
    public TableClient Participants { get; } = tables.GetTableClient(names.Participants);
    public TableClient Reports { get; } = tables.GetTableClient(names.Reports);
    public TableClient Keys { get; } = tables.GetTableClient(names.Keys);
    public TableClient Services { get; } = tables.GetTableClient(names.Services);
    public TableClient Instruments { get; } = tables.GetTableClient(names.Instruments);
    public TableClient Failures { get; } = tables.GetTableClient(names.Failures);
    public TableClient AuditLog { get; } = tables.GetTableClient(names.AuditLog);
    public TableClient Invitations { get; } = tables.GetTableClient(names.Invitations);
    public QueueClient SubmissionQueue { get; } = queues.GetQueueClient(names.SubmissionQueue);
    public QueueClient PoisonQueue { get; } = queues.GetQueueClient(names.PoisonQueue);
    public QueueClient NetworkQueue { get; } = queues.GetQueueClient(names.NetworkQueue);
    public QueueClient NetworkPoisonQueue { get; } = queues.GetQueueClient(names.NetworkPoisonQueue);
    public TableServiceClient TableService => tables;

    public async Task CreateIfMissingAsync(CancellationToken cancellationToken)
    {
        foreach (var table in names.Tables)
            await tables.CreateTableIfNotExistsAsync(table, cancellationToken);
        foreach (var queue in names.Queues)
            await queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }
}

public static class StorageExtensions
{
    public const string ConnectionName = "AzureWebJobsStorage";

    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration("PeerEval:Storage").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => new StorageNames(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value.Prefix));

        var connection = StorageConnection.From(builder.Configuration);
        builder.Services.AddSingleton(sp => connection.CreateTableService(WithRetries(new TableClientOptions(), sp)));
        // The Functions host reads and writes queue messages as Base64.
        builder.Services.AddSingleton(sp => connection.CreateQueueService(WithRetries(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }, sp)));
        builder.Services.AddSingleton<StorageClients>();
        builder.Services.AddStartupTask<StorageInitializer>();
        return builder;
    }

    private static T WithRetries<T>(T options, IServiceProvider services) where T : ClientOptions
    {
        options.Retry.MaxRetries = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value.MaxRetries;
        return options;
    }
}

/// <summary>A connection string (Azurite, keys) or identity-based service URIs, chosen by configuration alone.</summary>
public sealed class StorageConnection
{
    private readonly string? _connectionString;
    private readonly Uri? _tableUri;
    private readonly Uri? _queueUri;
    private readonly TokenCredential? _credential;

    private StorageConnection(string? connectionString, Uri? tableUri, Uri? queueUri, TokenCredential? credential) =>
        (_connectionString, _tableUri, _queueUri, _credential) = (connectionString, tableUri, queueUri, credential);

    public static StorageConnection From(IConfiguration configuration)
    {
        var section = configuration.GetSection(StorageExtensions.ConnectionName);
        if (!string.IsNullOrWhiteSpace(section.Value))
            return new StorageConnection(section.Value, null, null, null);

        var account = section["accountName"];
        var tableUri = section["tableServiceUri"] ?? (account is null ? null : $"https://{account}.table.core.windows.net");
        var queueUri = section["queueServiceUri"] ?? (account is null ? null : $"https://{account}.queue.core.windows.net");
        if (tableUri is null || queueUri is null)
            throw new InvalidOperationException(
                $"Storage is not configured: set {StorageExtensions.ConnectionName} to a connection string, or " +
                $"{StorageExtensions.ConnectionName}__tableServiceUri and __queueServiceUri (or __accountName) for an identity-based connection.");

        TokenCredential credential = string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(section["clientId"] is { Length: > 0 } clientId
                ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential();
        return new StorageConnection(null, new Uri(tableUri), new Uri(queueUri), credential);
    }

    public bool IsIdentityBased => _credential is not null;

    public TableServiceClient CreateTableService(TableClientOptions options) =>
        _connectionString is not null ? new TableServiceClient(_connectionString, options) : new TableServiceClient(_tableUri!, _credential!, options);

    public QueueServiceClient CreateQueueService(QueueClientOptions options) =>
        _connectionString is not null ? new QueueServiceClient(_connectionString, options) : new QueueServiceClient(_queueUri!, _credential!, options);
}

internal sealed class StorageInitializer(StorageClients storage) : IStartupTask
{
    public Task RunAsync(CancellationToken cancellationToken) => storage.CreateIfMissingAsync(cancellationToken);
}
