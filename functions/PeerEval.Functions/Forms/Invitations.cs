using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using PeerEval.Domain;
using PeerEval.Domain.Instruments;
using PeerEval.Domain.Submissions;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Instruments;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions.Forms;

public sealed class InvitationOptions
{
    /// <summary>How long an invitation link stays usable.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "90.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(14);
}

public sealed record InvitationReceipt(string InvitationId, string Url, DateTimeOffset ExpiresAt);

/// <summary>One person's invitation to one form: who, which occasion and questionnaires, where, until when, and whether it was used.</summary>
public sealed record Invitation(
    string ServiceId, string InvitationId, string ParticipantHash, Occasion Occasion, IReadOnlyList<string> Instruments,
    SupportContext? Context, DateTimeOffset ExpiresAt, string? SubmissionId, ETag ETag)
{
    public bool IsExpired(DateTimeOffset now) => now > ExpiresAt;

    /// <summary>Unused, or used by this very submission (a retry of it).</summary>
    public bool IsOpenTo(string submissionId) => SubmissionId is null || SubmissionId == submissionId;
}

/// <summary>The invitations table (partition: service, row: invitation id); the participant is kept only as its hash.</summary>
public sealed class InvitationStore(Storage.StorageClients storage)
{
    public async Task AddAsync(Invitation invitation, CancellationToken ct) =>
        await storage.Invitations.AddEntityAsync(new TableEntity(invitation.ServiceId, invitation.InvitationId)
        {
            ["Participant"] = invitation.ParticipantHash,
            ["Occasion"] = invitation.Occasion.ToName(),
            ["Instruments"] = string.Join(',', invitation.Instruments),
            ["Context"] = invitation.Context is null ? null : JsonSerializer.Serialize(invitation.Context, DomainJson.Options),
            ["ExpiresAt"] = invitation.ExpiresAt,
        }, ct);

    public async Task<Invitation?> FindAsync(string serviceId, string invitationId, CancellationToken ct)
    {
        var response = await storage.Invitations.GetEntityIfExistsAsync<TableEntity>(serviceId, invitationId, cancellationToken: ct);
        if (!response.HasValue)
            return null;
        var e = response.Value!;
        _ = OccasionNames.TryParse(e.GetString("Occasion"), out var occasion);
        return new Invitation(e.PartitionKey, e.RowKey, e.GetString("Participant") ?? "", occasion,
            (e.GetString("Instruments") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries),
            e.GetString("Context") is { } context ? JsonSerializer.Deserialize<SupportContext>(context, DomainJson.Options) : null,
            e.GetDateTimeOffset("ExpiresAt") ?? DateTimeOffset.MinValue, e.GetString("SubmissionId"), e.ETag);
    }

    /// <summary>Deletes every invitation for one person at a service (erasure): none can send answers for them afterwards.</summary>
    public async Task<int> DeleteForAsync(string serviceId, string participantHash, CancellationToken ct)
    {
        var deleted = 0;
        await foreach (var row in storage.Invitations.QueryAsync<TableEntity>(e => e.PartitionKey == serviceId && e.GetString("Participant") == participantHash,
                           select: ["PartitionKey", "RowKey"], cancellationToken: ct))
        {
            await storage.Invitations.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, ct);
            deleted++;
        }
        return deleted;
    }

    /// <summary>Binds the invitation to one submission, under its ETag: of two racing uses, one wins. False if another use came first.</summary>
    public async Task<bool> ClaimAsync(Invitation invitation, string submissionId, CancellationToken ct)
    {
        if (invitation.SubmissionId == submissionId)
            return true;
        if (invitation.SubmissionId is not null)
            return false;
        try
        {
            await storage.Invitations.UpdateEntityAsync(new TableEntity(invitation.ServiceId, invitation.InvitationId) { ["SubmissionId"] = submissionId },
                invitation.ETag, TableUpdateMode.Merge, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }
}

public static class InvitationsModule
{
    public static IHostApplicationBuilder AddInvitations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InvitationOptions>().BindConfiguration("PeerEval:Invitations").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<InvitationStore>();
        return builder;
    }
}

/// <summary>A service's back end asks for a link for one person; the form it opens fixes who, when and what.</summary>
public sealed class InvitationFunctions(
    InvitationStore invitations, InstrumentCatalog catalog, ParticipantHasher hasher, FormTokens tokens,
    IOptions<InvitationOptions> options, TimeProvider clock)
{
    public static readonly IReadOnlyList<string> DefaultInstruments = [BuiltInInstruments.HopeCore.Id, BuiltInInstruments.EmpowermentCore.Id];

    [Function("CreateInvitation")]
    [Authorize(Policy = KeyPolicies.SubmitKey)]
    [Consumes("application/json")]
    [ProducesResponseType<InvitationReceipt>(201)]
    [ProducesResponseType(400)]
    public async Task<IResult> CreateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "services/{serviceId}/invitations")] HttpRequest request, string serviceId)
    {
        var ct = request.HttpContext.RequestAborted;
        var (document, _, error) = await JsonBody.ReadAsync(request, ct);
        if (error is not null)
            return error;
        using (document)
        {
            var all = await catalog.GetAllAsync(ct);
            var errors = new ErrorBag();
            if (SubmissionParser.ParseInvitation(document!.RootElement, id => all.GetValueOrDefault(id), DefaultInstruments, errors) is not { } asked)
                return ApiConventions.ValidationProblem(errors);

            var invitationId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var expiresAt = clock.GetUtcNow().Add(options.Value.Lifetime);
            await invitations.AddAsync(new Invitation(serviceId, invitationId, hasher.Hash(serviceId, asked.ParticipantRef), asked.Occasion,
                asked.Instruments, asked.Context, expiresAt, null, ETag.All), ct);
            var url = $"{request.Scheme}://{request.Host}/api/forms/{Uri.EscapeDataString(serviceId)}?invitation={tokens.InvitationLink(serviceId, invitationId)}";
            return TypedResults.Created(url, new InvitationReceipt(invitationId, url, expiresAt));
        }
    }
}
