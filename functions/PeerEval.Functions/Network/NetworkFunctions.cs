using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PeerEval.Contracts;
using PeerEval.Domain.Network;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Reports;
using PeerEval.Functions.Services;

namespace PeerEval.Functions.Network;

/// <summary>What a network key reads: the pooled figures of the services that share, and their peer roles. Nothing of one service alone.</summary>
[Authorize(Policy = KeyPolicies.Network)]
public sealed class NetworkFunctions(ReportSource reports, NetworkPool pool, ServiceDirectory services)
{
    [Function("GetNetworkReport")]
    [ProducesResponseType<Report>(200)]
    [ProducesResponseType<string>(200, "text/csv")]
    [ProducesResponseType(400)]
    [QueryParameter("granularity", "month (default), quarter or year, as for a service's report.")]
    [QueryParameter("from", "First period, in the granularity: YYYY-MM, YYYY-Qn or YYYY.")]
    [QueryParameter("to", "Last period, in the granularity. At most 120 months in all.")]
    [QueryParameter("by", "setting or service: adds `groups`, the pooled figures per setting or per sharing service, under the same disclosure control.")]
    public async Task<IResult> GetReportAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "network/report")] HttpRequest request)
    {
        var loaded = await reports.LoadAsync(request, NetworkPool.ReportId, Pool.Dimensions, _ => Task.FromResult(true), pool.ReadMonthAsync, request.HttpContext.RequestAborted);
        if (loaded.Report is not { } report)
            return loaded.Refusal!;
        return ReportFunctions.WantsCsv(request) ? ReportCsv.Respond(report) : TypedResults.Ok(report);
    }

    [Function("GetPeerRoles")]
    [ProducesResponseType<PeerRoleRegistry>(200)]
    public async Task<IResult> GetPeerRolesAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "network/peer-roles")] HttpRequest request)
    {
        var sharing = await services.ListSharingAsync(request.HttpContext.RequestAborted);
        return TypedResults.Ok(PeerRoles.Registry(sharing.Select(s => new NetworkService(s.ServiceId, s.Name, s.PeerRoles ?? []))));
    }
}
