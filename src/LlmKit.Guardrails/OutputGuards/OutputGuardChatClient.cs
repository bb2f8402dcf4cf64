using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace LlmKit.Guardrails.OutputGuards;

/// <summary>
/// The output-guard stage: checks each final answer with every <see cref="OutputGuard"/> before it is returned, and
/// throws <see cref="OutputGuardException"/> with an <see cref="OutputGuardFailure"/> when one rejects it. Responses
/// that only ask for tools are not checked (they are not answers).
/// </summary>
/// <remarks>
/// Outermost of the guardrails (<see cref="Pipeline.GuardrailsPipelineOrder.OutputGuards"/>), so guards see the answer
/// exactly as the caller would, with placeholders restored.
/// </remarks>
public sealed class OutputGuardChatClient : DelegatingChatClient
{
    private readonly IReadOnlyList<OutputGuard> _guards;
    private readonly bool _hold;

    /// <summary>Initializes a new instance of the <see cref="OutputGuardChatClient"/> class.</summary>
    /// <param name="innerClient">The client whose answers are checked.</param>
    /// <param name="options">The guards.</param>
    public OutputGuardChatClient(IChatClient innerClient, OutputGuardOptions options)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        _guards = options.Guards.ToArray();
        _hold = options.HoldStreamedAnswers;
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var response = await base.GetResponseAsync(request, options, cancellationToken);
        if (await CheckAsync(_guards, request, response, cancellationToken) is { } failure)
        {
            throw new OutputGuardException(failure);
        }

        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(request, options, cancellationToken))
        {
            updates.Add(update);
            if (!_hold)
            {
                yield return update;
            }
        }

        if (await CheckAsync(_guards, request, updates.ToChatResponse(), cancellationToken) is { } failure)
        {
            throw new OutputGuardException(failure);
        }

        if (_hold)
        {
            foreach (var update in updates)
            {
                yield return update;
            }
        }
    }

    /// <summary>Runs the guards on a response; <see langword="null"/> when it passes or is not an answer.</summary>
    internal static async ValueTask<OutputGuardFailure?> CheckAsync(
        IReadOnlyList<OutputGuard> guards, IReadOnlyList<ChatMessage> request, ChatResponse response, CancellationToken cancellationToken)
    {
        var answer = response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant);
        if (guards.Count == 0 || answer is null || answer.Contents.Any(c => c is FunctionCallContent) || string.IsNullOrEmpty(answer.Text))
        {
            return null;
        }

        var context = new OutputGuardContext(answer.Text, response, request);
        var violations = new List<OutputGuardViolation>();
        foreach (var guard in guards)
        {
            if (await guard.CheckAsync(context, cancellationToken) is { } violation)
            {
                violations.Add(violation);
            }
        }

        return violations.Count == 0 ? null : new OutputGuardFailure(violations, response);
    }
}
