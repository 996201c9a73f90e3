namespace PeerEval.Functions.Hosting;

public static class HealthEndpoints
{
    public static RouteGroupBuilder MapHealth(this RouteGroupBuilder api)
    {
        api.MapGet("/health", async (Storage.Storage storage, CancellationToken ct) =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await storage.Submissions.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>("health", "probe", cancellationToken: timeout.Token);
                await storage.SubmissionQueue.GetPropertiesAsync(timeout.Token);
                return Results.Ok(new { status = "ok" });
            }
            catch (Exception e) when (e is Azure.RequestFailedException or OperationCanceledException or HttpRequestException)
            {
                return Results.Json(new { status = "unavailable" }, statusCode: 503);
            }
        }).WithTags("Health").WithName("Health");
        return api;
    }
}
