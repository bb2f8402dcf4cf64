using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using LlmKit.Errors;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.StructuredOutput;

/// <summary>
/// Typed answers from any <see cref="IChatClient"/>: <c>GetObjectAsync&lt;T&gt;</c> returns a validated object or a
/// failure that says why, <c>StreamObjectAsync&lt;T&gt;</c> shows the object as it is written and ends with the same result.
/// </summary>
/// <remarks>
/// Every answer is validated against the type's JSON schema, then deserialized strictly (required members, no unknown
/// members), then checked with DataAnnotations and <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>,
/// then with the call's own check (<see cref="StructuredOutputOptions.WithValidation{T}"/>).
/// An invalid answer is sent back with its errors for another attempt, up to
/// <see cref="StructuredOutputOptions.MaxAttempts"/>. These methods throw only for cancellation, for
/// <see cref="LlmException"/> from the transport, and for a requested type that has no JSON schema.
/// </remarks>
public static class StructuredOutputChatClientExtensions
{
    private const string CallKind = "structured_output";

    /// <summary>Asks the model for a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The type of the answer: a record, class, collection, enum or primitive.</typeparam>
    /// <param name="chatClient">The client.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="options">Strategy, attempts and chat options; defaults when omitted.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The validated value, or why there is none.</returns>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> cannot be expressed as a JSON schema.</exception>
    public static Task<StructuredResult<T>> GetObjectAsync<T>(
        this IChatClient chatClient, IEnumerable<ChatMessage> messages, StructuredOutputOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = Defaults(chatClient, options);
        return RunAsync(chatClient, messages, StructuredContract<T>.For(options), options, cancellationToken);
    }

    /// <summary>Asks the model for a <typeparamref name="T"/>, reading it with a source-generated contract.</summary>
    /// <typeparam name="T">The type of the answer.</typeparam>
    /// <param name="chatClient">The client.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="typeInfo">The contract, for example <c>MyJsonContext.Default.Person</c> (trimming- and AOT-safe).</param>
    /// <param name="options">Strategy, attempts and chat options; <see cref="StructuredOutputOptions.SerializerOptions"/> is ignored.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The validated value, or why there is none.</returns>
    public static Task<StructuredResult<T>> GetObjectAsync<T>(
        this IChatClient chatClient, IEnumerable<ChatMessage> messages, JsonTypeInfo<T> typeInfo, StructuredOutputOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return RunAsync(chatClient, messages, StructuredContract<T>.For(typeInfo), Defaults(chatClient, options), cancellationToken);
    }

    /// <summary>Asks the model for a <typeparamref name="T"/> with a single user prompt.</summary>
    /// <typeparam name="T">The type of the answer.</typeparam>
    /// <param name="chatClient">The client.</param>
    /// <param name="prompt">The user's prompt.</param>
    /// <param name="options">Strategy, attempts and chat options; defaults when omitted.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The validated value, or why there is none.</returns>
    public static Task<StructuredResult<T>> GetObjectAsync<T>(
        this IChatClient chatClient, string prompt, StructuredOutputOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return chatClient.GetObjectAsync<T>([new ChatMessage(ChatRole.User, prompt)], options, cancellationToken);
    }

    /// <summary>
    /// Asks the model for a <typeparamref name="T"/> and streams it: updates carry the partial object as it is
    /// written; the last update carries the validated result (<see cref="StructuredOutputUpdate{T}.Result"/>).
    /// </summary>
    /// <typeparam name="T">The type of the answer.</typeparam>
    /// <param name="chatClient">The client.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="options">Strategy, attempts and chat options; defaults when omitted.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The updates; the last one is final.</returns>
    public static IAsyncEnumerable<StructuredOutputUpdate<T>> StreamObjectAsync<T>(
        this IChatClient chatClient, IEnumerable<ChatMessage> messages, StructuredOutputOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = Defaults(chatClient, options);
        return StreamAsync(chatClient, messages, StructuredContract<T>.For(options), options, cancellationToken);
    }

    /// <summary>Streams a <typeparamref name="T"/>, reading it with a source-generated contract.</summary>
    /// <typeparam name="T">The type of the answer.</typeparam>
    /// <param name="chatClient">The client.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="typeInfo">The contract.</param>
    /// <param name="options">Strategy, attempts and chat options.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The updates; the last one is final.</returns>
    public static IAsyncEnumerable<StructuredOutputUpdate<T>> StreamObjectAsync<T>(
        this IChatClient chatClient, IEnumerable<ChatMessage> messages, JsonTypeInfo<T> typeInfo, StructuredOutputOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return StreamAsync(chatClient, messages, StructuredContract<T>.For(typeInfo), Defaults(chatClient, options), cancellationToken);
    }

    // A call's own options win; without them, the defaults AddStructuredOutput put in the pipeline (if any).
    private static StructuredOutputOptions? Defaults(IChatClient chatClient, StructuredOutputOptions? options)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        return options ?? chatClient.GetService<StructuredOutputOptions>();
    }

    private static async Task<StructuredResult<T>> RunAsync<T>(
        IChatClient chatClient, IEnumerable<ChatMessage> messages, StructuredContract<T> contract, StructuredOutputOptions? options, CancellationToken cancellationToken)
    {
        var session = new StructuredOutputSession<T>(chatClient, messages, contract, options);

        // Every attempt, re-asks included, is one logical call: one root span, one ledger id.
        using var call = chatClient.BeginLlmKitCall(options?.ChatOptions, CallKind);
        try
        {
            while (true)
            {
                session.BeginAttempt();
                var response = await chatClient.GetResponseAsync(session.Conversation, session.CreateChatOptions(call.Call), cancellationToken);
                if (session.Evaluate(response) is { } result)
                {
                    call.SetOutcome(Outcome(result));
                    return result;
                }
            }
        }
        catch (Exception ex)
        {
            call.SetFailure(ex);
            throw;
        }
    }

    private static string Outcome<T>(StructuredResult<T> result) =>
        result.IsSuccess ? "succeeded" : result.Failure!.Kind.ToString().ToLowerInvariant();

    private static async IAsyncEnumerable<StructuredOutputUpdate<T>> StreamAsync<T>(
        IChatClient chatClient, IEnumerable<ChatMessage> messages, StructuredContract<T> contract, StructuredOutputOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        var session = new StructuredOutputSession<T>(chatClient, messages, contract, options);
        using var call = chatClient.BeginLlmKitCall(options?.ChatOptions, CallKind);
        // A wrapped root ({"value": …}, for arrays and primitives) streams its value, as GetObjectAsync returns it.
        string? rootMember = session.Contract.Schema.IsWrapped ? Schema.StrictJsonSchema.WrapperPropertyName : null;
        while (true)
        {
            session.BeginAttempt();
            var updates = new List<ChatResponseUpdate>();
            var reader = new PartialJsonReader(findStart: true, rootMember);
            int shown = 0;
            await foreach (var update in chatClient.GetStreamingResponseAsync(session.Conversation, session.CreateChatOptions(call.Call), cancellationToken))
            {
                updates.Add(update);
                string chunk = update.Text;
                if (chunk.Length == 0)
                {
                    continue;
                }

                // Each chunk costs time proportional to its own length; the partial object is built only if the caller reads it.
                reader.Append(chunk);
                if (reader.Version != shown && reader.Snapshot() is { } snapshot)
                {
                    shown = reader.Version;
                    yield return new StructuredOutputUpdate<T>(session.Attempts, snapshot, session.Contract.LenientTypeInfo);
                }
            }

            if (session.Evaluate(updates.ToChatResponse()) is { } result)
            {
                call.SetOutcome(Outcome(result));
                yield return new StructuredOutputUpdate<T>(session.Attempts, result);
                yield break;
            }
        }
    }
}
