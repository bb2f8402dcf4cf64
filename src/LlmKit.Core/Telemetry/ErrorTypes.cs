using LlmKit.Errors;

namespace LlmKit.Telemetry;

/// <summary>The <c>error.type</c> of a failure: the <see cref="LlmErrorKind"/> of LlmKit's errors, else the exception's type.</summary>
internal static class ErrorTypes
{
    public static string Of(Exception failure) =>
        failure is LlmException llm ? llm.Kind.ToString() : failure.GetType().FullName ?? failure.GetType().Name;
}
