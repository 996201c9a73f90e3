using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace PeerEval.Functions.Hosting;

/// <summary>Worker middleware for HTTP invocations; queue invocations pass straight through.</summary>
public abstract class HttpMiddleware : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next) =>
        context.GetHttpContext() is { } http ? InvokeAsync(context, http, next) : next(context);

    protected abstract Task InvokeAsync(FunctionContext context, HttpContext http, FunctionExecutionDelegate next);

    /// <summary>Answers in place of the function, which then does not run.</summary>
    protected static void Answer(FunctionContext context, IResult result) => context.GetInvocationResult().Value = result;
}
