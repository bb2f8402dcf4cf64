using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace StructuredExtraction;

/// <summary>
/// Prints every model call of one extraction as it happens and, from the second on, what LlmKit sent back to the
/// model: the validation errors of the previous answer. After the call, StructuredResult.Rejections lists the same
/// rejected answers and their errors (log those in an app); this wrapper exists to show them live, attempt by attempt.
/// </summary>
public sealed class AttemptLogChatClient(IChatClient innerClient, TextWriter output) : DelegatingChatClient(innerClient)
{
    private int _calls;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var conversation = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        BeforeCall(conversation);
        var response = await base.GetResponseAsync(conversation, options, cancellationToken);
        AfterCall(response.Text);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var conversation = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        BeforeCall(conversation);
        await foreach (var update in base.GetStreamingResponseAsync(conversation, options, cancellationToken))
        {
            yield return update;
        }
    }

    private void BeforeCall(IReadOnlyList<ChatMessage> conversation)
    {
        int attempt = Interlocked.Increment(ref _calls);
        if (attempt > 1 && conversation.Count > 0 && conversation[^1].Role != ChatRole.Assistant)
        {
            output.WriteLine($"  attempt {attempt - 1} rejected; LlmKit sent back:");
            foreach (string line in conversation[^1].Text.Split('\n'))
            {
                output.WriteLine($"    | {line}");
            }
        }

        output.WriteLine($"  attempt {attempt}: asking the model...");
    }

    private void AfterCall(string answer)
    {
        if (answer.Length > 0)
        {
            output.WriteLine($"    answer: {(answer.Length <= 160 ? answer : answer[..157] + "...")}");
        }
    }
}
