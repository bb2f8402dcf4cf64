namespace LlmKit.StructuredOutput;

/// <summary>Why structured output produced no value.</summary>
public enum StructuredOutputFailureKind
{
    /// <summary>The model refused to answer. Not retried: asking again the same way rarely changes a refusal.</summary>
    Refused = 1,

    /// <summary>The answer was cut off at the output-token limit (finish reason <c>length</c>).</summary>
    Truncated,

    /// <summary>Every attempt produced output that failed validation; the errors of the last attempt and every raw output are kept.</summary>
    Invalid,

    /// <summary>The model's last answer was empty: no text and no tool call.</summary>
    Empty,
}
