using System.Globalization;
using LlmKit.Budgets;
using LlmKit.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace WebApi.Infrastructure;

/// <summary>Turns an <see cref="LlmException"/> into the HTTP answer a client can act on.</summary>
public static class LlmProblems
{
    /// <summary>Nginx's "client closed request": logged when the caller went away, never sent (nobody is listening).</summary>
    public const int ClientClosedRequest = 499;

    /// <summary>Maps the failure's kind (never its message text) to a status code.</summary>
    public static int StatusCodeOf(LlmErrorKind kind) => kind switch
    {
        // The caller may retry after the delay in Retry-After.
        LlmErrorKind.RateLimited or LlmErrorKind.BudgetExceeded => StatusCodes.Status429TooManyRequests,
        // The model is unavailable right now (overloaded, failing, unreachable, or our circuit is open).
        LlmErrorKind.Overloaded or LlmErrorKind.ServerError or LlmErrorKind.Network => StatusCodes.Status503ServiceUnavailable,
        LlmErrorKind.Timeout => StatusCodes.Status504GatewayTimeout,
        // Something about the caller's input: saying so is the useful answer.
        LlmErrorKind.ContextLengthExceeded => StatusCodes.Status413PayloadTooLarge,
        LlmErrorKind.ContentFiltered => StatusCodes.Status422UnprocessableEntity,
        LlmErrorKind.BadRequest => StatusCodes.Status400BadRequest,
        // Our credentials, permissions or model name are wrong: the caller cannot fix it, the operator must.
        _ => StatusCodes.Status502BadGateway,
    };

    /// <summary>Builds the problem details of a failure; safe to show to the caller (no provider internals beyond the kind).</summary>
    public static ProblemDetails ToProblem(LlmException exception)
    {
        int status = StatusCodeOf(exception.Kind);
        var problem = new ProblemDetails
        {
            Status = status,
            Title = exception.Kind switch
            {
                LlmErrorKind.BudgetExceeded => "Budget exceeded",
                LlmErrorKind.RateLimited => "The model is rate limited",
                LlmErrorKind.Overloaded or LlmErrorKind.ServerError or LlmErrorKind.Network => "The model is unavailable",
                LlmErrorKind.Timeout => "The model did not answer in time",
                _ => "The model call failed",
            },
            // Budget messages are written for people; provider messages may carry internals, so only the kind goes out.
            Detail = exception is BudgetExceededException ? exception.Message : $"The model call failed: {exception.Kind}.",
            Type = $"https://httpstatuses.io/{status}",
        };
        problem.Extensions["kind"] = exception.Kind.ToString();
        if (exception.RetryAfter is { } retryAfter)
        {
            problem.Extensions["retryAfterSeconds"] = RetryAfterSeconds(retryAfter);
        }

        return problem;
    }

    /// <summary>Whole seconds, rounded up, as Retry-After wants them.</summary>
    public static long RetryAfterSeconds(TimeSpan delay) => Math.Max(1, (long)Math.Ceiling(delay.TotalSeconds));

    /// <summary>Writes a failure as problem details with a Retry-After header when waiting helps.</summary>
    public static async Task WriteAsync(HttpContext context, LlmException exception)
    {
        var problem = ToProblem(exception);
        context.Response.StatusCode = problem.Status!.Value;
        if (exception.RetryAfter is { } retryAfter && problem.Status is 429 or 503)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        }

        var writer = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await writer.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}

/// <summary>The exception handler that answers every unhandled <see cref="LlmException"/> with problem details.</summary>
public sealed class LlmExceptionHandler(ILogger<LlmExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer. Log it as what it is, not as a server error.
            logger.LogInformation("Request {Path} was cancelled by the client.", httpContext.Request.Path);
            httpContext.Response.StatusCode = LlmProblems.ClientClosedRequest;
            return true;
        }

        if (exception is not LlmException llm)
        {
            return false;
        }

        logger.LogWarning(llm, "Model call failed: {Kind} (HTTP {Status}) for {Path}.", llm.Kind, llm.StatusCode, httpContext.Request.Path);
        await LlmProblems.WriteAsync(httpContext, llm);
        return true;
    }
}
