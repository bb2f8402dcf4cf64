using Microsoft.Extensions.AI;

namespace LlmKit.Context;

/// <summary>
/// Groups a conversation into turns that are kept, dropped or summarised whole: a message that calls tools together
/// with the messages holding those calls' results, so that no call is ever sent without its result or the reverse.
/// <see cref="ContextBudget"/> and conversation memory both cut history along these turns.
/// </summary>
public static class ChatTurns
{
    /// <summary>Groups <paramref name="history"/> into turns, oldest first; each turn's messages keep their order.</summary>
    /// <param name="history">The conversation, oldest first.</param>
    /// <returns>The turns. Every message is in exactly one.</returns>
    public static IReadOnlyList<IReadOnlyList<ChatMessage>> Group(IEnumerable<ChatMessage> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var turns = new List<List<ChatMessage>>();
        var openCalls = new Dictionary<string, List<ChatMessage>>(StringComparer.Ordinal);
        foreach (var message in history)
        {
            ArgumentNullException.ThrowIfNull(message, nameof(history));
            List<ChatMessage>? owner = null;
            foreach (var result in message.Contents.OfType<FunctionResultContent>())
            {
                if (openCalls.TryGetValue(result.CallId, out var callTurn))
                {
                    owner = callTurn;
                }
            }

            if (owner is null)
            {
                owner = [];
                turns.Add(owner);
            }

            owner.Add(message);
            foreach (var call in message.Contents.OfType<FunctionCallContent>())
            {
                openCalls[call.CallId] = owner;
            }
        }

        return turns;
    }
}
