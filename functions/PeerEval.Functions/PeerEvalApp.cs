using Microsoft.Azure.Functions.Worker.Builder;
using PeerEval.Functions.Aggregation;
using PeerEval.Functions.Auth;
using PeerEval.Functions.Dashboard;
using PeerEval.Functions.Forms;
using PeerEval.Functions.Hosting;
using PeerEval.Functions.Instruments;
using PeerEval.Functions.Network;
using PeerEval.Functions.Reports;
using PeerEval.Functions.Storage;
using PeerEval.Functions.Submissions;

namespace PeerEval.Functions;

/// <summary>
/// The app's table of contents: one line per capability. The order of the middleware lines is the
/// order every HTTP function is wrapped in.
/// </summary>
public static class PeerEvalApp
{
    public static FunctionsApplicationBuilder AddPeerEval(this FunctionsApplicationBuilder builder)
    {
        builder.ConfigureFunctionsWebApplication();
        builder.AddTelemetry();
        builder.AddStorage(); // first: its tables exist before anything seeds them
        builder.AddFormPages(); // outermost: a person meets a page, never JSON, whatever refused them
        builder.AddDashboard(); // likewise for an evaluator's browser
        builder.AddApiConventions();
        builder.AddOriginPolicy();
        builder.AddApiKeys();
        builder.AddRateLimits();
        builder.AddKeyAuthorization();
        builder.AddInstruments();
        builder.AddSubmissions();
        builder.AddInvitations();
        builder.AddAggregation();
        builder.AddReports();
        builder.AddNetwork();
        return builder;
    }
}
