using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LlmKit.ChatCompletion;
using LlmKit.Pipeline;
using LlmKit.Schema;
using Microsoft.Extensions.AI;

namespace LlmKit.StructuredOutput;

/// <summary>
/// One structured-output call: the conversation so far, the attempts made, their usage and raw outputs. Shared by the
/// streaming and non-streaming entry points, which differ only in how a model response is obtained.
/// </summary>
internal sealed class StructuredOutputSession<T>
{
    private readonly StructuredContract<T> _contract;
    private readonly StructuredOutputOptions _options;
    private readonly List<ChatMessage> _conversation;
    private readonly List<string> _rawOutputs = [];
    private readonly List<StructuredOutputRejection> _rejections = [];
    private readonly UsageDetails _usage = new();
    private readonly bool _strict;
    private bool _truncationRetried;
    private TimeSpan _validationSpent;
    private int _calls;

    public StructuredOutputSession(IChatClient client, IEnumerable<ChatMessage> messages, StructuredContract<T> contract, StructuredOutputOptions? options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(messages);
        _options = options ?? new StructuredOutputOptions();
        _options.Validate();
        _contract = contract;
        if (_options.CallValidation is { } check && check is not Func<T, IEnumerable<ValidationResult>>)
        {
            throw new ArgumentException(
                $"The options carry a validation for {check.GetType().GetGenericArguments()[0].Name}, but the call asks for {typeof(T).Name}: pass WithValidation<{typeof(T).Name}>.", nameof(options));
        }

        var capabilities = client.GetService<ChatClientCapabilities>() ?? ChatClientCapabilities.Unknown;
        Strategy = Choose(_options.Strategy, capabilities);
        _strict = Strategy == StructuredOutputStrategy.NativeJsonSchema && _options.UseStrictSchema &&
                  capabilities.SupportsStrictJsonSchema && contract.Schema.StrictSchema is not null;

        _conversation = [.. messages];
        if (Strategy == StructuredOutputStrategy.Prompt)
        {
            // First in the conversation so that the schema is part of the stable prefix a provider prompt cache keys on.
            _conversation.Insert(0, new ChatMessage(ChatRole.System, PromptInstructions(contract.Schema)));
        }
    }

    public StructuredOutputStrategy Strategy { get; }

    public int Attempts { get; private set; }

    public int? MaxOutputTokensOverride { get; private set; }

    public IReadOnlyList<ChatMessage> Conversation => _conversation;

    public StructuredContract<T> Contract => _contract;

    public bool CanAttempt => Attempts < _options.MaxAttempts;

    public static StructuredOutputStrategy Choose(StructuredOutputStrategy requested, ChatClientCapabilities capabilities) =>
        requested != StructuredOutputStrategy.Auto ? requested :
        capabilities.SupportsJsonSchemaResponseFormat ? StructuredOutputStrategy.NativeJsonSchema :
        capabilities.SupportsToolCalling && capabilities.SupportsRequiredToolChoice ? StructuredOutputStrategy.ForcedToolCall :
        StructuredOutputStrategy.Prompt;

    /// <summary>The options of the next attempt: the call's own, the strategy's settings, and where the attempt sits in the logical call.</summary>
    public ChatOptions CreateChatOptions(LlmKitCall call)
    {
        var chatOptions = _options.ChatOptions?.Clone() ?? new ChatOptions();
        LlmKitCallProperties.Call.SetValue(chatOptions, call);
        LlmKitCallProperties.Reask.SetValue(chatOptions, _calls++);
        var schema = _contract.Schema;
        string name = _options.SchemaName ?? schema.Name;
        string? description = _options.SchemaDescription ?? schema.Description;
        switch (Strategy)
        {
            case StructuredOutputStrategy.NativeJsonSchema:
                chatOptions.ResponseFormat = ChatResponseFormat.ForJsonSchema(_strict ? schema.StrictSchema!.Value : schema.Schema, name, description);
                if (_strict)
                {
                    LlmKitCallProperties.StrictJsonSchema.SetValue(chatOptions, true);
                }

                break;
            case StructuredOutputStrategy.ForcedToolCall:
                var tool = AIFunctionFactory.CreateDeclaration(_options.ToolName, description ?? $"Gives the answer as a {name}.", schema.Schema);
                chatOptions.Tools = [.. chatOptions.Tools ?? [], tool];
                chatOptions.ToolMode = ChatToolMode.RequireSpecific(_options.ToolName);
                chatOptions.AllowMultipleToolCalls = false;
                break;
        }

        if (MaxOutputTokensOverride is int tokens)
        {
            chatOptions.MaxOutputTokens = tokens;
        }

        return chatOptions;
    }

    public void BeginAttempt() => Attempts++;

    /// <summary>Judges one model response: a final result, or null when the session should try again.</summary>
    public StructuredResult<T>? Evaluate(ChatResponse response)
    {
        if (response.Usage is { } usage)
        {
            _usage.Add(usage);
        }

        if (response.GetRefusal() is { } refusal)
        {
            _rawOutputs.Add(refusal);
            return Fail(StructuredOutputFailureKind.Refused, $"The model refused: {refusal}", [], response, refusal);
        }

        var (raw, callId, unreadable) = ExtractOutput(response);
        _rawOutputs.Add(raw ?? string.Empty);

        if (response.FinishReason == ChatFinishReason.Length)
        {
            if (!_truncationRetried && _options.TruncationRetryMaxOutputTokens is int more)
            {
                // One extra call with a larger limit, outside MaxAttempts: the answer was not wrong, only too long.
                _truncationRetried = true;
                _rejections.Add(new StructuredOutputRejection(Attempts, raw ?? string.Empty,
                    [new JsonSchemaError(string.Empty, "truncated", "The answer was cut off at the output-token limit; asked again with a larger limit.", "#")]));
                MaxOutputTokensOverride = more;
                Attempts--;
                return null;
            }

            return Fail(StructuredOutputFailureKind.Truncated, "The answer was cut off at the output-token limit.", [], response);
        }

        if (unreadable is not null)
        {
            // Tool-call arguments another parser could not read, and whose text it did not keep.
            return Reject(response, callId, string.Empty, [new JsonSchemaError(string.Empty, "json", unreadable, "#")], exception: null);
        }

        if (string.IsNullOrWhiteSpace(raw))
        {
            JsonSchemaError empty = new(string.Empty, "json", "The answer was empty. Reply with the JSON value.", "#");
            _rejections.Add(new StructuredOutputRejection(Attempts, raw ?? string.Empty, [empty]));
            if (!CanAttempt)
            {
                return Fail(StructuredOutputFailureKind.Empty, "The model gave an empty answer.", [], response);
            }

            FeedBack(response, callId, [empty]);
            return null;
        }

        var (value, errors, exception) = Read(raw);
        if (errors.Count == 0)
        {
            return new StructuredResult<T>(value, null, _usage, Attempts, Strategy, response, _rejections.ToArray());
        }

        return Reject(response, callId, raw, errors, exception);
    }

    // An answer that was read but not accepted: on record, then asked again, or the end of the call.
    private StructuredResult<T>? Reject(ChatResponse response, string? callId, string raw, IReadOnlyList<JsonSchemaError> errors, Exception? exception)
    {
        _rejections.Add(new StructuredOutputRejection(Attempts, raw, errors) { Exception = exception });
        if (ValidationBudgetSpent)
        {
            // Asking again would spend more CPU on answers of the same kind; the budget is for the whole call.
            return Fail(StructuredOutputFailureKind.Invalid,
                $"Validating the answers took longer than the {_options.ValidationTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s budget (StructuredOutputOptions.ValidationTimeout).",
                errors, response);
        }

        if (!CanAttempt)
        {
            return Fail(StructuredOutputFailureKind.Invalid, $"The answer was still invalid after {Attempts} attempt(s).", errors, response);
        }

        FeedBack(response, callId, errors);
        return null;
    }

    public StructuredResult<T> Fail(StructuredOutputFailureKind kind, string message, IReadOnlyList<JsonSchemaError> errors, ChatResponse? response, string? refusal = null) =>
        new(default, new StructuredOutputFailure(kind, message, errors, _rawOutputs.ToArray(), refusal), _usage, Attempts, Strategy, response, _rejections.ToArray());

    private bool ValidationBudgetSpent => _options.ValidationTimeout != Timeout.InfiniteTimeSpan && _validationSpent >= _options.ValidationTimeout;

    /// <summary>
    /// Validates raw model output: JSON, then schema, then deserialization, then DataAnnotations, then the call's own
    /// check; the time it takes counts against <see cref="StructuredOutputOptions.ValidationTimeout"/>.
    /// </summary>
    public (T? Value, IReadOnlyList<JsonSchemaError> Errors, Exception? Exception) Read(string raw)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return ReadWithin(raw);
        }
        finally
        {
            _validationSpent += System.Diagnostics.Stopwatch.GetElapsedTime(started);
        }
    }

    private (T? Value, IReadOnlyList<JsonSchemaError> Errors, Exception? Exception) ReadWithin(string raw)
    {
        // Lone surrogates (raw or escaped) read as U+FFFD, as the providers' SDKs decode them: the text is still the answer.
        JsonDocument? document = ModelJson.Parse(raw, out var error);
        if (document is null && _options.RepairJson && JsonRepair.TryRepair(raw) is { } repaired)
        {
            document = ModelJson.Parse(repaired, out error);
        }

        if (document is null)
        {
            return (default, [error!.TooDeep
                ? new JsonSchemaError(string.Empty, "depth",
                    $"The answer is nested {error.Depth} levels deep; at most {ModelJson.MaxDepth} levels can be read. Reply with a less deeply nested JSON value.", "#")
                : new JsonSchemaError(string.Empty, "json",
                    "The answer is not valid JSON. Reply with one JSON value only, without code fences or explanations.", "#")], null);
        }

        using (document)
        {
            var remaining = _options.ValidationTimeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : _options.ValidationTimeout - _validationSpent;
            var schemaResult = _contract.Schema.Validator.Validate(document.RootElement, remaining);
            if (schemaResult.TimedOut)
            {
                // Whatever is left of the call's budget is spent: no further attempt.
                _validationSpent = _options.ValidationTimeout;
            }

            if (!schemaResult.IsValid)
            {
                return (default, schemaResult.Errors, null);
            }

            var element = document.RootElement;
            if (_contract.Schema.IsWrapped)
            {
                element = element.GetProperty(StrictJsonSchema.WrapperPropertyName);
            }

            T? value;
            try
            {
                value = element.Deserialize(_contract.StrictTypeInfo);
            }
            catch (JsonException ex)
            {
                return (default, [new JsonSchemaError(Pointer(ex.Path), "deserialization", FirstSentence(ex.Message), "#")], ex);
            }
            catch (Exception ex)
            {
                // The type's own code refused this answer (a constructor or setter that checks its arguments, a converter,
                // a shape System.Text.Json does not support): an answer the model can change, so it goes back like any
                // validation error, and the exception stays on the rejection for whoever reads the result.
                return (default, [new JsonSchemaError(string.Empty, "deserialization", $"The answer could not be read as {typeof(T).Name}: {FirstSentence(ex.Message)}", "#")], ex);
            }

            if (value is null && Nullable.GetUnderlyingType(typeof(T)) is null)
            {
                return (default, [new JsonSchemaError(string.Empty, "type", "The value must not be null.", "#")], null);
            }

            return Check(value);
        }
    }

    // DataAnnotations, IValidatableObject and the call's own rule: the caller's code, which may throw on a value it did
    // not expect; that is reported as the answer's failure (with the exception kept), never thrown from GetObjectAsync.
    private (T? Value, IReadOnlyList<JsonSchemaError> Errors, Exception? Exception) Check(T? value)
    {
        try
        {
            if (_contract.NeedsObjectValidation && value is not null)
            {
                var results = new List<ValidationResult>();
                if (!Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
                {
                    return (default, results.Select(ToError).ToArray(), null);
                }
            }

            if (_options.CallValidation is Func<T, IEnumerable<ValidationResult>> check && value is not null)
            {
                var problems = check(value).Where(r => r != ValidationResult.Success).Select(ToError).ToArray();
                if (problems.Length > 0)
                {
                    return (default, problems, null);
                }
            }
        }
        catch (Exception ex)
        {
            return (default, [new JsonSchemaError(string.Empty, "validation", $"The answer could not be checked: {FirstSentence(ex.Message)}", "#")], ex);
        }

        return (value, [], null);
    }

    private JsonSchemaError ToError(ValidationResult result)
    {
        string? member = result.MemberNames.FirstOrDefault();
        string pointer = member is null ? string.Empty : "/" + (_contract.JsonNames.TryGetValue(member, out string? json) ? json : member);
        return new JsonSchemaError(pointer, "validation", result.ErrorMessage ?? "The value is not valid.", "#");
    }

    private (string? Raw, string? CallId, string? Problem) ExtractOutput(ChatResponse response)
    {
        if (Strategy == StructuredOutputStrategy.ForcedToolCall)
        {
            foreach (var message in response.Messages)
            {
                foreach (var content in message.Contents)
                {
                    if (content is FunctionCallContent call && call.Name == _options.ToolName)
                    {
                        // The arguments as the model wrote them where they could not be read, so validation says what is wrong.
                        string? json = Tools.ToolCallArguments.ToJson(call, out string? problem);
                        return (json, call.CallId, problem);
                    }
                }
            }
        }

        // Models that ignore a forced tool still often answer with the JSON as text; reading it costs nothing.
        return (response.Text, null, null);
    }

    private void FeedBack(ChatResponse response, string? callId, IReadOnlyList<JsonSchemaError> errors)
    {
        string problems = FormatErrors(errors);
        _conversation.AddRange(response.Messages);
        if (callId is not null)
        {
            _conversation.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(callId,
                $"Rejected: the arguments do not match the schema.\n{problems}\nCall {_options.ToolName} again with corrected arguments.")]));
        }
        else
        {
            _conversation.Add(new ChatMessage(ChatRole.User,
                $"Your answer does not match the required JSON schema:\n{problems}\nReply again with the corrected JSON only."));
        }
    }

    internal static string FormatErrors(IReadOnlyList<JsonSchemaError> errors)
    {
        var builder = new StringBuilder();
        foreach (var error in errors)
        {
            builder.Append("- ").Append(error.InstanceLocation.Length == 0 ? "(root)" : error.InstanceLocation).Append(": ").Append(error.Message).Append('\n');
        }

        return builder.ToString().TrimEnd('\n');
    }

    private static string PromptInstructions(TypeSchema schema) =>
        "Answer with a single JSON value that conforms to this JSON Schema. Write only the JSON: no code fences, no explanations.\n" +
        "JSON Schema:\n" + schema.SchemaText;

    private static string Pointer(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$")
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        string path = jsonPath.StartsWith('$') ? jsonPath[1..] : jsonPath;
        foreach (string part in path.Split(['.', '['], StringSplitOptions.RemoveEmptyEntries))
        {
            string segment = part.TrimEnd(']').Trim('\'');
            builder.Append('/').Append(segment);
        }

        return builder.ToString();
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..(end + 1)]).ToString(CultureInfo.InvariantCulture);
    }
}
