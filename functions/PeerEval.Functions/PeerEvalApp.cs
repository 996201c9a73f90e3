using PeerEval.Functions.Admin;
using PeerEval.Functions.Aggregation;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Forms;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Instruments;
using PeerEval.Functions.Reports;
using PeerEval.Functions.Storage;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions;

/// <summary>The app's table of contents: one line per capability, shared by Program.cs and the tests.</summary>
public static class PeerEvalApp
{
    public static WebApplicationBuilder AddPeerEval(this WebApplicationBuilder builder)
    {
        builder.UseFunctionsHostPort();
        builder.AddApiConventions();
        builder.AddApiDocs();
        builder.AddRateLimits();
        builder.AddStorage();
        builder.AddApiKeys();
        builder.AddInstruments();
        builder.AddSubmissions();
        builder.AddAggregation();
        builder.AddReports();
        return builder;
    }

    public static WebApplication MapPeerEval(this WebApplication app)
    {
        app.UseApiConventions();
        app.UseRateLimiter();
        app.UseOriginPolicy();
        var api = app.MapGroup("/api");
        api.MapHealth();
        api.MapInstruments();
        api.MapSubmissions();
        api.MapReports();
        api.MapForms();
        api.MapAdmin();
        app.MapApiDocs();
        app.MapFunctionsHostInvocations();
        return app;
    }
}
