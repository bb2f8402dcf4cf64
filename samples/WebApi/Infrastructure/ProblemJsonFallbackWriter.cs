using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace WebApi.Infrastructure;

/// <summary>
/// The last problem-details writer: writes <c>application/problem+json</c> whatever the request's <c>Accept</c> says.
/// ASP.NET Core's own writer only answers clients that accept JSON, so a failure of a request that asked for
/// <c>text/event-stream</c> (the page's fetch does) would otherwise go out as an empty 500, hiding the real status
/// (429 with Retry-After, 503). An error body in the API's one error format beats no body: RFC 9110 lets a server
/// ignore <c>Accept</c> rather than answer 406, and no client can read an error as an event stream anyway.
/// </summary>
public sealed class ProblemJsonFallbackWriter(IOptions<HttpJsonOptions> json, IOptions<ProblemDetailsOptions> problemOptions) : IProblemDetailsWriter
{
    public const string ContentType = "application/problem+json";

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var response = context.HttpContext.Response;
        problem.Status ??= response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Type ??= $"https://httpstatuses.io/{problem.Status.Value}";
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        var typeInfo = json.Value.SerializerOptions.GetTypeInfo(problem.GetType());
        return new ValueTask(response.WriteAsJsonAsync(problem, typeInfo, ContentType, context.HttpContext.RequestAborted));
    }
}
