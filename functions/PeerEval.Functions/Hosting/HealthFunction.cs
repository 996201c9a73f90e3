using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace PeerEval.Functions.Hosting;

public sealed class HealthFunction(Storage.StorageClients storage)
{
    /// <summary>200 when both table and queue storage answer within 3 s; otherwise a 503 problem the caller can retry.</summary>
    [Function("Health")]
    [ProducesResponseType(200)]
    [ProducesResponseType(503)]
    public async Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await storage.Submissions.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>("health", "probe", cancellationToken: timeout.Token);
            await storage.SubmissionQueue.GetPropertiesAsync(timeout.Token);
            return TypedResults.Ok(new { status = "ok" });
        }
        catch (Exception e) when (e is Azure.RequestFailedException or OperationCanceledException or HttpRequestException)
        {
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(statusCode: 503, title: "Storage is unavailable", extensions: new Dictionary<string, object?> { ["status"] = "unavailable" });
        }
    }
}
