using Microsoft.Azure.Functions.Worker.Builder;
using PeerEval.Functions;

var builder = FunctionsApplication.CreateBuilder(args);

builder.AddPeerEval();

builder.Build().Run();
