using Microsoft.Extensions.AI;

namespace LlmKit.ChatCompletion;

/// <summary>
/// LlmKit's representation of a model refusal: an <see cref="ErrorContent"/> whose
/// <see cref="ErrorContent.ErrorCode"/> is <see cref="ErrorCode"/>, the same convention the Microsoft.Extensions.AI
/// OpenAI adapter uses for OpenAI's <c>refusal</c> field. Providers emit it; structured output and the tool loop
/// read it.
/// </summary>
public static class Refusals
{
    /// <summary>The <see cref="ErrorContent.ErrorCode"/> that marks a refusal: <c>Refusal</c>.</summary>
    public const string ErrorCode = "Refusal";

    /// <summary>Creates the content that represents a refusal.</summary>
    /// <param name="message">The model's refusal text.</param>
    /// <returns>The refusal content.</returns>
    public static ErrorContent Create(string message) => new(message) { ErrorCode = ErrorCode };

    /// <summary>Returns whether a content item is a refusal.</summary>
    /// <param name="content">The content item.</param>
    /// <returns><see langword="true"/> when it is a refusal.</returns>
    public static bool IsRefusal(this AIContent content) =>
        content is ErrorContent { ErrorCode: ErrorCode };

    /// <summary>Returns the refusal text of a response, if any of its messages holds a refusal.</summary>
    /// <param name="response">The response.</param>
    /// <returns>The refusal text, or <see langword="null"/> when the model did not refuse.</returns>
    public static string? GetRefusal(this ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        foreach (var message in response.Messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is ErrorContent { ErrorCode: ErrorCode } refusal)
                {
                    return refusal.Message;
                }
            }
        }

        return null;
    }
}
