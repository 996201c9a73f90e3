using PeerEval.Functions;

var builder = WebApplication.CreateBuilder(args);

builder.AddPeerEval();

var app = builder.Build();

app.MapPeerEval();

app.Run();
