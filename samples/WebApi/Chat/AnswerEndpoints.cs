using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmKit.Idempotency;
using LlmKit.Tools;
using LlmKit.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace WebApi.Chat;

/// <summary>The body of <c>POST /answer</c>'s reply.</summary>
public sealed record AnswerResponse(string Text, string StopReason, int ToolCalls, decimal? Cost);

/// <summary>
/// <c>POST /answer</c>: the support agent answers one message as JSON (its tools run, as in <c>/chat</c>). With an
/// <c>Idempotency-Key</c> header a client can retry safely: see <see cref="IdempotencyKeyFilter"/>.
/// </summary>
public static class AnswerEndpoints
{
    public static IEndpointRouteBuilder MapAnswers(this IEndpointRouteBuilder app)
    {
        app.MapPost("/answer", AnswerAsync).AddEndpointFilter<IdempotencyKeyFilter>();
        return app;
    }

    private static async Task<Results<Ok<AnswerResponse>, ValidationProblem>> AnswerAsync(ChatRequest request, SupportAgent agent, HttpContext http)
    {
        if (string.IsNullOrWhiteSpace(request.Message) || request.Message.Length > ChatEndpoints.MaxMessageLength)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["message"] = [$"A message of 1 to {ChatEndpoints.MaxMessageLength} characters is required."],
            });
        }

        List<ChatMessage> messages = [new(ChatRole.System, SupportAgent.SystemPrompt), new(ChatRole.User, request.Message)];
        var options = new ChatOptions().WithCallerTags(new CallerTags(Feature: "support-answer", RequestId: http.TraceIdentifier));
        var result = await agent.Loop.RunToolsAsync(messages, options, http.RequestAborted);
        if (result is { StopReason: ToolLoopStopReason.ModelFailed, Error: { } failure })
        {
            throw failure; // answered as problem details by LlmExceptionHandler; nothing is stored for the key
        }

        return TypedResults.Ok(new AnswerResponse(result.Text, result.StopReason.ToString(), result.Steps.Count, result.Cost));
    }
}

/// <summary>
/// Makes a POST safe to retry with an <c>Idempotency-Key</c> header (1 to 255 characters): the first request with a
/// key runs and its JSON result is stored in LlmKit's <see cref="IIdempotencyStore"/> (in memory, or PostgreSQL/Redis
/// shared by every replica) for <c>LlmKit:Idempotency:Retention</c>; a repeat gets the stored result with an
/// <c>Idempotent-Replayed: true</c> header — its model calls and tools do not run again — or waits while the first one
/// still runs. A key reused with a different body is refused with 422, a repeat that waited too long with 409. Results
/// of 500 and above, and failures, are not stored: a retry runs again. Keys are scoped by tenant and route.
/// </summary>
public sealed class IdempotencyKeyFilter(IIdempotencyStore store, IOptions<IdempotencyOptions> options, ILogger<IdempotencyKeyFilter> logger, TimeProvider? time = null)
    : IEndpointFilter
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeaderName = "Idempotent-Replayed";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IdempotencyGate _gate = new(store, options.Value, time, logger);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return await next(context);
        }

        if (values is not [{ } key] || string.IsNullOrWhiteSpace(key) || key.Length > IdempotencyConstants.MaxKeyLength)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid Idempotency-Key",
                detail: $"Send one {HeaderName} header of 1 to {IdempotencyConstants.MaxKeyLength} characters.");
        }

        string scoped = $"http\n{CallerTags.Current.Tenant ?? "default"}\n{http.Request.Method} {http.Request.Path}\n{key}";
        IdempotentEntry entry;
        try
        {
            entry = await _gate.EnterAsync(key, scoped, Fingerprint(context), http.RequestAborted);
        }
        catch (IdempotencyKeyReusedException reused)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused", detail: reused.Message);
        }
        catch (IdempotentRequestInProgressException running)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The first request with this Idempotency-Key is still running", detail: running.Message);
        }

        if (entry.StoredResult is { } stored)
        {
            var replay = JsonSerializer.Deserialize<StoredResult>(stored.Span, Json)!;
            http.Response.Headers[ReplayedHeaderName] = "true";
            return TypedResults.Text(replay.Body, "application/json; charset=utf-8", Encoding.UTF8, replay.Status);
        }

        if (entry.Lease is not { } lease)
        {
            return await next(context); // the store is down and LlmKit:Idempotency:FailOpen is set
        }

        object? result;
        await using (_gate.KeepAlive(lease))
        {
            try
            {
                result = await next(context);
            }
            catch
            {
                await _gate.AbandonAsync(lease);
                throw;
            }
        }

        // Only JSON results below 500 are answers worth replaying; anything else runs again on a retry. A Results<…>
        // union wraps the result the endpoint chose.
        var chosen = result is INestedHttpResult nested ? nested.Result : result;
        int status = (chosen as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        if (chosen is IValueHttpResult { Value: var value } && status < 500)
        {
            // Serialized as the endpoint's own answer was (the app's JSON options), so a replay is byte for byte the same.
            var appJson = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            string body = JsonSerializer.Serialize(value, value?.GetType() ?? typeof(object), appJson);
            await _gate.CompleteAsync(lease, JsonSerializer.SerializeToUtf8Bytes(new StoredResult(status, body), Json));
        }
        else
        {
            await _gate.AbandonAsync(lease);
        }

        return result;
    }

    /// <summary>The request as bound: every argument that is not a service or the HTTP context (the body, route and query values).</summary>
    private static string Fingerprint(EndpointFilterInvocationContext context)
    {
        var services = context.HttpContext.RequestServices.GetService<IServiceProviderIsService>();
        var bound = context.Arguments.Where(a => a is not null and not HttpContext and not CancellationToken && services?.IsService(a.GetType()) != true);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(bound, Json)));
        return Convert.ToHexString(hash);
    }

    private sealed record StoredResult(int Status, string Body);
}
