using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace LlmKit.Schema;

/// <summary>
/// A JSON Schema (draft 2020-12) validator: compile a schema once, validate many instances. Held to the official
/// JSON-Schema-Test-Suite. Thread-safe after compilation.
/// </summary>
/// <remarks>
/// <para>
/// Supported: every assertion and applicator keyword of the core, applicator, unevaluated and validation vocabularies,
/// <c>$ref</c> and <c>$defs</c> with <c>$id</c> resolution and <c>$anchor</c>, <c>$dynamicRef</c>/<c>$dynamicAnchor</c>
/// with the dynamic scope, boolean schemas, and <c>format</c> (<c>date-time</c>, <c>date</c>, <c>time</c>,
/// <c>uuid</c>, <c>email</c>, <c>uri</c>) when <see cref="JsonSchemaValidatorOptions.AssertFormat"/> is on. The draft
/// 2020-12 meta-schemas ship inside the assembly, so a <c>$ref</c> to <c>https://json-schema.org/draft/2020-12/schema</c>
/// resolves offline; other documents resolve only against <see cref="JsonSchemaValidatorOptions.AddDocument"/>. Nothing
/// is ever fetched. <c>$vocabulary</c> is not honoured: every known keyword is asserted.
/// </para>
/// <para>Strings are measured in Unicode code points, and numbers compare exactly.</para>
/// </remarks>
public sealed class JsonSchemaValidator
{
    private readonly SchemaNode _root;
    private readonly bool _usesDynamicScope;
    private readonly bool _assertFormat;
    private readonly int _maxErrors;
    private readonly TimeSpan _validationTimeout;
    private readonly TimeSpan _regexTimeout;

    private JsonSchemaValidator(CompiledSchema compiled, JsonSchemaValidatorOptions options)
    {
        _validationTimeout = options.ValidationTimeout;
        _regexTimeout = options.RegexTimeout;
        _root = compiled.Root;
        _usesDynamicScope = compiled.UsesDynamicScope;
        _assertFormat = options.AssertFormat;
        _maxErrors = options.MaxErrors;
    }

    /// <summary>Compiles a schema.</summary>
    /// <param name="schema">The schema: an object or a boolean.</param>
    /// <param name="options">The options; defaults when omitted.</param>
    /// <returns>The compiled validator.</returns>
    /// <exception cref="ArgumentException">The schema is not a valid schema, or a <c>$ref</c> cannot be resolved.</exception>
    public static JsonSchemaValidator Compile(JsonElement schema, JsonSchemaValidatorOptions? options = null)
    {
        options ??= new JsonSchemaValidatorOptions();
        options.Validate();
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            throw new ArgumentException($"A schema must be a JSON object or a boolean, not {schema.ValueKind}.", nameof(schema));
        }

        return new JsonSchemaValidator(JsonSchemaCompiler.Compile(schema.Clone(), options), options);
    }

    /// <summary>Compiles a schema given as JSON text.</summary>
    /// <param name="schemaJson">The schema as JSON text.</param>
    /// <param name="options">The options; defaults when omitted.</param>
    /// <returns>The compiled validator.</returns>
    /// <exception cref="ArgumentException">The text is not JSON or not a valid schema.</exception>
    public static JsonSchemaValidator Compile(string schemaJson, JsonSchemaValidatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        try
        {
            using var document = JsonDocument.Parse(schemaJson);
            return Compile(document.RootElement, options);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The schema is not valid JSON: {ex.Message}", nameof(schemaJson), ex);
        }
    }

    /// <summary>Validates an instance within <see cref="JsonSchemaValidatorOptions.ValidationTimeout"/>. Never throws for any instance.</summary>
    /// <param name="instance">The instance.</param>
    /// <returns>
    /// The result: valid, or every error found (up to <see cref="JsonSchemaValidatorOptions.MaxErrors"/>), or
    /// <see cref="JsonSchemaValidationResult.TimedOut"/> when the time budget ran out first.
    /// </returns>
    public JsonSchemaValidationResult Validate(JsonElement instance) => Validate(instance, _validationTimeout);

    /// <summary>Validates an instance within a time budget of the caller's (for example what is left of a larger one). Never throws for any instance.</summary>
    /// <param name="instance">The instance.</param>
    /// <param name="timeout">
    /// The most time the validation may take; <see cref="Timeout.InfiniteTimeSpan"/> for no limit. Zero or less stops
    /// at the first check. One regular-expression match may overrun it by up to <see cref="JsonSchemaValidatorOptions.RegexTimeout"/>.
    /// </param>
    /// <returns>The result, as <see cref="Validate(JsonElement)"/> returns it.</returns>
    public JsonSchemaValidationResult Validate(JsonElement instance, TimeSpan timeout)
    {
        if (instance.ValueKind == JsonValueKind.Undefined)
        {
            return new JsonSchemaValidationResult([new JsonSchemaError(string.Empty, "type", "There is no value; provide a JSON value.", _root.Location)]);
        }

        long deadline = Deadline(timeout);

        // Fast path: most instances are valid, and a pass that stops at the first failure allocates nothing.
        var quick = new Evaluation(this, collect: false, deadline);
        bool valid = quick.Evaluate(_root, instance);
        if (TimedOut(deadline))
        {
            return TimeoutResult(timeout);
        }

        if (valid)
        {
            return JsonSchemaValidationResult.Valid;
        }

        var full = new Evaluation(this, collect: true, deadline);
        full.Evaluate(_root, instance);
        if (TimedOut(deadline))
        {
            return TimeoutResult(timeout);
        }

        return new JsonSchemaValidationResult(full.Errors is { Count: > 0 } errors
            ? errors
            : [new JsonSchemaError(string.Empty, "schema", "The value does not match the schema.", _root.Location)]);
    }

    /// <summary>Returns whether an instance is valid, without collecting errors, within <see cref="JsonSchemaValidatorOptions.ValidationTimeout"/>.</summary>
    /// <param name="instance">The instance.</param>
    /// <returns><see langword="true"/> when the instance satisfies the schema; <see langword="false"/> also when the time budget ran out first.</returns>
    public bool IsValid(JsonElement instance)
    {
        if (instance.ValueKind == JsonValueKind.Undefined)
        {
            return false;
        }

        long deadline = Deadline(_validationTimeout);
        return new Evaluation(this, collect: false, deadline).Evaluate(_root, instance) && !TimedOut(deadline);
    }

    private static long Deadline(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return long.MaxValue;
        }

        long ticks = timeout <= TimeSpan.Zero ? 0 : (long)Math.Min(timeout.TotalSeconds * Stopwatch.Frequency, long.MaxValue / 2);
        return Stopwatch.GetTimestamp() + ticks;
    }

    private static bool TimedOut(long deadline) => deadline != long.MaxValue && Stopwatch.GetTimestamp() >= deadline;

    private JsonSchemaValidationResult TimeoutResult(TimeSpan timeout) => new(
        [new JsonSchemaError(string.Empty, "timeout",
            $"Checking this value took longer than the {Describe(timeout)} validation budget, so it was not accepted; a shorter value, with shorter strings, can be checked in time.",
            _root.Location)],
        timedOut: true);

    private static string Describe(TimeSpan timeout) =>
        timeout.TotalSeconds >= 1 ? $"{timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s" : $"{timeout.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms";

    /// <summary>One walk over an instance. A struct over a reusable path stack: the valid path allocates nothing.</summary>
    private struct Evaluation(JsonSchemaValidator validator, bool collect, long deadline)
    {
        // The clock is read every ClockStride schema nodes and before every regular-expression match: often enough to
        // stop soon after the deadline, rarely enough to cost nothing measurable on the valid path.
        private const int ClockStride = 256;

        private readonly JsonSchemaValidator _validator = validator;
        private readonly bool _collect = collect;
        private readonly long _deadline = deadline;
        private int _untilClock = ClockStride;
        private List<object>? _path;
        private int _depth;

        // The schema resources entered so far that declare $dynamicAnchors, outermost first; shared with forks, which
        // push and pop symmetrically. Only tracked when some $dynamicRef can be redirected.
        private List<SchemaResource>? _scope;

        public List<JsonSchemaError>? Errors { get; private set; }

        private readonly bool Full => _collect && (Errors is null || Errors.Count < _validator._maxErrors);

        public bool Evaluate(SchemaNode node, JsonElement instance)
        {
            if (node.BooleanValue is bool b)
            {
                if (!b)
                {
                    Fail(node, "false", "No value is allowed here; remove it.");
                }

                return b;
            }

            if (--_untilClock <= 0 && OutOfTime())
            {
                return false;
            }

            if (++_depth > JsonSchemaValidatorConstants.MaxEvaluationDepth)
            {
                _depth--;
                Fail(node, "$ref", "The schema recurses too deeply for this value to be checked.");
                return false;
            }

            bool entered = Enter(node);
            bool valid = EvaluateKeywords(node, instance);
            Leave(entered);
            _depth--;
            return valid;
        }

        private readonly Evaluation Fork(bool collect) => new(_validator, collect, _deadline) { _depth = _depth, _scope = _scope, _untilClock = _untilClock };

        // Once past the deadline every check fails fast; Validate then reports the timeout instead of the partial verdict.
        private bool OutOfTime()
        {
            _untilClock = ClockStride;
            return _deadline != long.MaxValue && Stopwatch.GetTimestamp() >= _deadline;
        }

        // A regular expression that cannot decide in time does not accept the value: failing closed keeps bad output out.
        private bool IsMatch(Regex regex, string text, out bool timedOut)
        {
            timedOut = false;
            if (OutOfTime())
            {
                return false;
            }

            try
            {
                return regex.IsMatch(text);
            }
            catch (RegexMatchTimeoutException)
            {
                timedOut = true;
                return false;
            }
        }

        private bool IsMatch(Regex regex, string text) => IsMatch(regex, text, out _);

        private bool Enter(SchemaNode node)
        {
            if (!_validator._usesDynamicScope || node.Resource is not { DynamicAnchors: not null } resource ||
                (_scope is { Count: > 0 } scope && ReferenceEquals(scope[^1], resource)))
            {
                return false;
            }

            (_scope ??= []).Add(resource);
            return true;
        }

        private readonly void Leave(bool entered)
        {
            if (entered)
            {
                _scope!.RemoveAt(_scope.Count - 1);
            }
        }

        // $dynamicRef lands on the outermost resource in the dynamic scope that declares the anchor, else its static target.
        private readonly SchemaNode DynamicTarget(SchemaNode node)
        {
            if (node.DynamicRefAnchor is { } anchor && _scope is { } scope)
            {
                foreach (var resource in scope)
                {
                    if (resource.DynamicAnchors!.TryGetValue(anchor, out var target))
                    {
                        return target;
                    }
                }
            }

            return node.DynamicRef!;
        }

        private bool EvaluateKeywords(SchemaNode node, JsonElement instance)
        {
            bool valid = true;
            var kind = instance.ValueKind;

            if (node.Types != JsonTypes.None && !MatchesType(node.Types, instance))
            {
                if (!Fail(node, "type", $"Must be {Article(node.TypeText!)}, but is {Describe(instance)}."))
                {
                    return false;
                }

                valid = false;
            }

            if (node.HasConst && !JsonElement.DeepEquals(node.Const, instance))
            {
                valid = false;
                if (!Fail(node, "const", $"Must be exactly {Abbreviate(node.Const)}."))
                {
                    return false;
                }
            }

            if (node.Enum is { } allowed && !ContainsEqual(allowed, instance))
            {
                valid = false;
                if (!Fail(node, "enum", $"Must be one of {string.Join(", ", allowed.Take(20).Select(Abbreviate))}{(allowed.Length > 20 ? ", ..." : string.Empty)}."))
                {
                    return false;
                }
            }

            switch (kind)
            {
                case JsonValueKind.Number:
                    valid &= EvaluateNumber(node, instance);
                    break;
                case JsonValueKind.String:
                    valid &= EvaluateString(node, instance);
                    break;
                case JsonValueKind.Array:
                    valid &= EvaluateArray(node, instance);
                    break;
                case JsonValueKind.Object:
                    valid &= EvaluateObject(node, instance);
                    break;
            }

            if (!valid && !_collect)
            {
                return false;
            }

            valid &= EvaluateApplicators(node, instance);
            if (!valid && !_collect)
            {
                return false;
            }

            // unevaluated* look at what every other keyword of this node (and its valid subschemas) evaluated, so they come last.
            if (node.UnevaluatedProperties is { } unevaluatedProperties && kind == JsonValueKind.Object)
            {
                valid &= EvaluateUnevaluatedProperties(node, unevaluatedProperties, instance);
            }
            else if (node.UnevaluatedItems is { } unevaluatedItems && kind == JsonValueKind.Array)
            {
                valid &= EvaluateUnevaluatedItems(node, unevaluatedItems, instance);
            }

            return valid;
        }

        private bool EvaluateUnevaluatedProperties(SchemaNode node, SchemaNode unevaluated, JsonElement instance)
        {
            var evaluated = new HashSet<string>(StringComparer.Ordinal);
            if (CoversAllProperties(node, instance, evaluated, owner: true))
            {
                return true;
            }

            bool valid = true;
            foreach (var property in instance.EnumerateObject())
            {
                string? name = property.Name;
                if (evaluated.Contains(name))
                {
                    continue;
                }

                if (unevaluated.BooleanValue == false)
                {
                    valid = false;
                    Push(name);
                    bool keepGoing = Fail(node, "unevaluatedProperties", $"The property \"{name}\" is not allowed here; remove it.");
                    Pop();
                    if (!keepGoing)
                    {
                        return false;
                    }
                }
                else if (!EvaluateMember(unevaluated, property, ref name))
                {
                    valid = false;
                    if (!_collect)
                    {
                        return false;
                    }
                }
            }

            return valid;
        }

        private bool EvaluateUnevaluatedItems(SchemaNode node, SchemaNode unevaluated, JsonElement instance)
        {
            var evaluated = new bool[instance.GetArrayLength()];
            if (CoversAllItems(node, instance, evaluated, owner: true))
            {
                return true;
            }

            bool valid = true;
            int index = 0;
            foreach (var item in instance.EnumerateArray())
            {
                if (!evaluated[index])
                {
                    Push(index);
                    bool itemValid = unevaluated.BooleanValue == false
                        ? Fail(node, "unevaluatedItems", $"Item {index} is not allowed here; remove it.") && false
                        : Evaluate(unevaluated, item);
                    Pop();
                    if (!itemValid)
                    {
                        valid = false;
                        if (!_collect || !Full)
                        {
                            return false;
                        }
                    }
                }

                index++;
            }

            return valid;
        }

        // The annotations unevaluatedProperties reads: the names that properties, patternProperties and
        // additionalProperties of this node and of every subschema that applied successfully evaluated. Returns true as
        // soon as every property is known to be evaluated. The owner's own subschemas are assumed to have passed (if one
        // failed, the owner fails anyway); branches that may legitimately fail (anyOf, oneOf, if) are probed.
        private bool CoversAllProperties(SchemaNode node, JsonElement instance, HashSet<string> evaluated, bool owner)
        {
            if (node.BooleanValue is not null)
            {
                return false;
            }

            bool entered = Enter(node);
            try
            {
                if (node.AdditionalProperties is not null || (!owner && node.UnevaluatedProperties is not null))
                {
                    return true;
                }

                if (node.Properties is { } properties)
                {
                    foreach (var (name, _) in properties)
                    {
                        if (instance.TryGetProperty(name, out _))
                        {
                            evaluated.Add(name);
                        }
                    }
                }

                if (node.PatternProperties is { } patterns)
                {
                    foreach (var property in instance.EnumerateObject())
                    {
                        foreach (var (regex, _, _) in patterns)
                        {
                            if (IsMatch(regex, property.Name))
                            {
                                evaluated.Add(property.Name);
                                break;
                            }
                        }
                    }
                }

                if (node.DependentSchemas is { } dependentSchemas)
                {
                    foreach (var (trigger, schema) in dependentSchemas)
                    {
                        if (instance.TryGetProperty(trigger, out _) && CoversAllProperties(schema, instance, evaluated, owner: false))
                        {
                            return true;
                        }
                    }
                }

                return CoversAllInApplicators(node, instance, evaluated, null);
            }
            finally
            {
                Leave(entered);
            }
        }

        // The annotations unevaluatedItems reads: prefixItems, items, contains (and nested unevaluatedItems) of this
        // node and of every subschema that applied successfully. Returns true when every item is evaluated.
        private bool CoversAllItems(SchemaNode node, JsonElement instance, bool[] evaluated, bool owner)
        {
            if (node.BooleanValue is not null)
            {
                return false;
            }

            bool entered = Enter(node);
            try
            {
                if (node.Items is not null || (!owner && node.UnevaluatedItems is not null))
                {
                    return true;
                }

                if (node.PrefixItems is { } prefixItems)
                {
                    Array.Fill(evaluated, true, 0, Math.Min(prefixItems.Length, evaluated.Length));
                }

                if (node.Contains is { } contains)
                {
                    int index = 0;
                    foreach (var item in instance.EnumerateArray())
                    {
                        if (!evaluated[index] && Probe(contains, item))
                        {
                            evaluated[index] = true;
                        }

                        index++;
                    }
                }

                return CoversAllInApplicators(node, instance, null, evaluated);
            }
            finally
            {
                Leave(entered);
            }
        }

        private bool CoversAllInApplicators(SchemaNode node, JsonElement instance, HashSet<string>? properties, bool[]? items)
        {
            bool Covers(ref Evaluation self, SchemaNode sub) => properties is not null
                ? self.CoversAllProperties(sub, instance, properties, owner: false)
                : self.CoversAllItems(sub, instance, items!, owner: false);

            if (node.Ref is { } reference && Covers(ref this, reference))
            {
                return true;
            }

            if (node.DynamicRef is not null && Covers(ref this, DynamicTarget(node)))
            {
                return true;
            }

            if (node.AllOf is { } allOf)
            {
                foreach (var sub in allOf)
                {
                    if (Covers(ref this, sub))
                    {
                        return true;
                    }
                }
            }

            foreach (var branches in (ReadOnlySpan<SchemaNode[]?>)[node.AnyOf, node.OneOf])
            {
                if (branches is null)
                {
                    continue;
                }

                foreach (var sub in branches)
                {
                    if (Probe(sub, instance) && Covers(ref this, sub))
                    {
                        return true;
                    }
                }
            }

            if (node.If is { } condition)
            {
                if (Probe(condition, instance))
                {
                    return Covers(ref this, condition) || (node.Then is { } then && Covers(ref this, then));
                }

                return node.Else is { } otherwise && Covers(ref this, otherwise);
            }

            return false;
        }

        private bool EvaluateApplicators(SchemaNode node, JsonElement instance)
        {
            bool valid = true;
            if (node.Ref is { } reference && !Evaluate(reference, instance))
            {
                valid = false;
                if (!_collect)
                {
                    return false;
                }
            }

            if (node.DynamicRef is not null && !Evaluate(DynamicTarget(node), instance))
            {
                valid = false;
                if (!_collect)
                {
                    return false;
                }
            }

            if (node.AllOf is { } allOf)
            {
                foreach (var sub in allOf)
                {
                    if (!Evaluate(sub, instance))
                    {
                        valid = false;
                        if (!_collect)
                        {
                            return false;
                        }
                    }
                }
            }

            if (node.AnyOf is { } anyOf)
            {
                bool any = false;
                foreach (var sub in anyOf)
                {
                    if (Probe(sub, instance))
                    {
                        any = true;
                        break;
                    }
                }

                if (!any)
                {
                    valid = false;
                    if (!Fail(node, "anyOf", $"Must match at least one of the {anyOf.Length} allowed shapes, but matches none.") ||
                        !ExplainClosest(anyOf, instance))
                    {
                        return false;
                    }
                }
            }

            if (node.OneOf is { } oneOf)
            {
                int matches = 0;
                foreach (var sub in oneOf)
                {
                    if (Probe(sub, instance) && ++matches > 1)
                    {
                        break;
                    }
                }

                if (matches != 1)
                {
                    valid = false;
                    string message = matches == 0
                        ? $"Must match exactly one of the {oneOf.Length} allowed shapes, but matches none."
                        : $"Must match exactly one of the {oneOf.Length} allowed shapes, but matches more than one.";
                    if (!Fail(node, "oneOf", message) || (matches == 0 && !ExplainClosest(oneOf, instance)))
                    {
                        return false;
                    }
                }
            }

            if (node.Not is { } not && Probe(not, instance))
            {
                valid = false;
                if (!Fail(node, "not", "Must not match the disallowed shape."))
                {
                    return false;
                }
            }

            if (node.If is { } condition)
            {
                var branch = Probe(condition, instance) ? node.Then : node.Else;
                if (branch is not null && !Evaluate(branch, instance))
                {
                    valid = false;
                    if (!_collect)
                    {
                        return false;
                    }
                }
            }

            return valid;
        }

        // Sub-schemas whose failure is expected (anyOf branches, not, if, contains) are probed without collecting
        // errors, so that a failing branch that is not the final answer does not pollute the error list.
        private bool Probe(SchemaNode node, JsonElement instance)
        {
            var probe = Fork(collect: false);
            return probe.Evaluate(node, instance);
        }

        // For anyOf/oneOf, the errors of the branch that failed least tell a model more than "matches none".
        private bool ExplainClosest(SchemaNode[] branches, JsonElement instance)
        {
            if (!_collect)
            {
                return false;
            }

            // A branch of the wrong type is the least helpful explanation, whatever its error count.
            List<JsonSchemaError>? best = null;
            int bestScore = int.MaxValue;
            string here = InstancePointer();
            foreach (var branch in branches)
            {
                var attempt = Fork(collect: true);
                attempt._path = _path;
                attempt.Evaluate(branch, instance);
                if (attempt.Errors is { Count: > 0 } errors)
                {
                    int score = errors.Count + (errors.Exists(e => e.Keyword == "type" && e.InstanceLocation == here) ? 10_000 : 0);
                    if (score < bestScore)
                    {
                        best = errors;
                        bestScore = score;
                    }
                }
            }

            if (best is not null)
            {
                foreach (var error in best)
                {
                    if (!Full)
                    {
                        break;
                    }

                    (Errors ??= []).Add(error);
                }
            }

            return true;
        }

        private bool EvaluateNumber(SchemaNode node, JsonElement instance)
        {
            bool valid = true;
            if (node.Minimum is { } min && Compare(instance, min) < 0)
            {
                valid = false;
                if (!Fail(node, "minimum", $"Must be at least {min.Text}, but is {instance.GetRawText()}."))
                {
                    return false;
                }
            }

            if (node.Maximum is { } max && Compare(instance, max) > 0)
            {
                valid = false;
                if (!Fail(node, "maximum", $"Must be at most {max.Text}, but is {instance.GetRawText()}."))
                {
                    return false;
                }
            }

            if (node.ExclusiveMinimum is { } xmin && Compare(instance, xmin) <= 0)
            {
                valid = false;
                if (!Fail(node, "exclusiveMinimum", $"Must be greater than {xmin.Text}, but is {instance.GetRawText()}."))
                {
                    return false;
                }
            }

            if (node.ExclusiveMaximum is { } xmax && Compare(instance, xmax) >= 0)
            {
                valid = false;
                if (!Fail(node, "exclusiveMaximum", $"Must be less than {xmax.Text}, but is {instance.GetRawText()}."))
                {
                    return false;
                }
            }

            if (node.MultipleOf is { } step && !IsMultipleOf(instance, step))
            {
                valid = false;
                if (!Fail(node, "multipleOf", $"Must be a multiple of {step.Text}, but is {instance.GetRawText()}."))
                {
                    return false;
                }
            }

            return valid;
        }

        private bool EvaluateString(SchemaNode node, JsonElement instance)
        {
            if (node.MinLength is null && node.MaxLength is null && node.Pattern is null && (node.Format is null || !_validator._assertFormat))
            {
                return true;
            }

            bool valid = true;
            string text = instance.GetString()!;
            if (node.MinLength is not null || node.MaxLength is not null)
            {
                int length = CodePointLength(text);
                if (length < node.MinLength)
                {
                    valid = false;
                    if (!Fail(node, "minLength", $"Must be at least {node.MinLength} characters long, but is {length}."))
                    {
                        return false;
                    }
                }

                if (length > node.MaxLength)
                {
                    valid = false;
                    if (!Fail(node, "maxLength", $"Must be at most {node.MaxLength} characters long, but is {length}."))
                    {
                        return false;
                    }
                }
            }

            if (node.Pattern is { } pattern && !IsMatch(pattern, text, out bool timedOut))
            {
                valid = false;
                string message = timedOut
                    ? $"Could not be checked against the regular expression {node.PatternText} within {Describe(_validator._regexTimeout)}; use a shorter, simpler value."
                    : $"Must match the regular expression {node.PatternText}, but \"{Abbreviate(text)}\" does not.";
                if (!Fail(node, "pattern", message))
                {
                    return false;
                }
            }

            if (_validator._assertFormat && node.Format is { } format && JsonSchemaFormats.IsKnown(format) && !JsonSchemaFormats.IsValid(format, text))
            {
                valid = false;
                if (!Fail(node, "format", $"Must be {JsonSchemaFormats.Describe(format)} (format '{format}'), but \"{Abbreviate(text)}\" is not."))
                {
                    return false;
                }
            }

            return valid;
        }

        private bool EvaluateArray(SchemaNode node, JsonElement instance)
        {
            bool valid = true;
            int count = instance.GetArrayLength();
            if (count < node.MinItems)
            {
                valid = false;
                if (!Fail(node, "minItems", $"Must have at least {node.MinItems} items, but has {count}."))
                {
                    return false;
                }
            }

            if (count > node.MaxItems)
            {
                valid = false;
                if (!Fail(node, "maxItems", $"Must have at most {node.MaxItems} items, but has {count}."))
                {
                    return false;
                }
            }

            if (node.UniqueItems && count > 1 && FindDuplicate(instance, _deadline) is (int first, int second))
            {
                valid = false;
                if (!Fail(node, "uniqueItems", $"Items must be unique, but items {first} and {second} are equal."))
                {
                    return false;
                }
            }

            int prefix = node.PrefixItems?.Length ?? 0;
            if (prefix > 0 || node.Items is not null)
            {
                int index = 0;
                foreach (var item in instance.EnumerateArray())
                {
                    var schema = index < prefix ? node.PrefixItems![index] : node.Items;
                    if (schema is null)
                    {
                        break;
                    }

                    Push(index);
                    bool itemValid = Evaluate(schema, item);
                    Pop();
                    if (!itemValid)
                    {
                        valid = false;
                        if (!_collect)
                        {
                            return false;
                        }
                    }

                    index++;
                }
            }

            if (node.Contains is { } contains)
            {
                int matches = 0;
                foreach (var item in instance.EnumerateArray())
                {
                    if (Probe(contains, item))
                    {
                        matches++;
                    }
                }

                int minimum = node.MinContains ?? 1;
                if (matches < minimum)
                {
                    valid = false;
                    string message = minimum == 1
                        ? "Must contain at least one item that matches the 'contains' schema, but none does."
                        : $"Must contain at least {minimum} items that match the 'contains' schema, but {matches} do.";
                    if (!Fail(node, node.MinContains is null ? "contains" : "minContains", message))
                    {
                        return false;
                    }
                }

                if (matches > node.MaxContains)
                {
                    valid = false;
                    if (!Fail(node, "maxContains", $"Must contain at most {node.MaxContains} items that match the 'contains' schema, but {matches} do."))
                    {
                        return false;
                    }
                }
            }

            return valid;
        }

        private bool EvaluateObject(SchemaNode node, JsonElement instance)
        {
            bool valid = true;
            if (node.Required is { } required)
            {
                for (int i = 0; i < required.Length; i++)
                {
                    string name = required[i];
                    if (!instance.TryGetProperty(node.RequiredUtf8![i], out _))
                    {
                        valid = false;
                        if (!Fail(node, "required", $"Is missing the required property \"{name}\"; add it."))
                        {
                            return false;
                        }
                    }
                }
            }

            if (node.DependentRequired is { } dependentRequired)
            {
                foreach (var (trigger, names) in dependentRequired)
                {
                    if (!instance.TryGetProperty(trigger, out _))
                    {
                        continue;
                    }

                    foreach (string name in names)
                    {
                        if (!instance.TryGetProperty(name, out _))
                        {
                            valid = false;
                            if (!Fail(node, "dependentRequired", $"Has \"{trigger}\", so it must also have \"{name}\"; add it."))
                            {
                                return false;
                            }
                        }
                    }
                }
            }

            bool needsCount = node.MinProperties is not null || node.MaxProperties is not null;
            bool needsWalk = node.PatternProperties is not null || node.AdditionalProperties is not null || node.PropertyNames is not null;
            int count = 0;
            if (needsWalk || needsCount || node.Properties is not null)
            {
                foreach (var property in instance.EnumerateObject())
                {
                    count++;
                    if (!needsWalk && node.Properties is null)
                    {
                        continue;
                    }

                    // The name string is only materialized when a keyword needs it: the common case (a known
                    // property, no patterns) looks it up from the raw UTF-8 without allocating.
                    string? name = null;
                    bool known = false;
                    if (node.PropertyNames is { } propertyNames)
                    {
                        name ??= property.Name;
                        using var nameDocument = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(name, SchemaJsonContext.Default.String));
                        Push(name);
                        bool nameValid = Probe(propertyNames, nameDocument.RootElement);
                        Pop();
                        if (!nameValid)
                        {
                            valid = false;
                            Push(name);
                            bool keepGoing = Fail(node, "propertyNames", $"The property name \"{name}\" is not allowed.");
                            Pop();
                            if (!keepGoing)
                            {
                                return false;
                            }
                        }
                    }

                    if (node.PropertyLookup is not null && LookupProperty(node, property, ref name) is { } propertySchema)
                    {
                        known = true;
                        if (!EvaluateMember(propertySchema, property, ref name))
                        {
                            valid = false;
                            if (!_collect)
                            {
                                return false;
                            }
                        }
                    }

                    if (node.PatternProperties is { } patterns)
                    {
                        string patternName = name ??= property.Name;
                        foreach (var (regex, _, schema) in patterns)
                        {
                            if (!IsMatch(regex, patternName))
                            {
                                continue;
                            }

                            known = true;
                            if (!EvaluateMember(schema, property, ref name))
                            {
                                valid = false;
                                if (!_collect)
                                {
                                    return false;
                                }
                            }
                        }
                    }

                    if (!known && node.AdditionalProperties is { } additional)
                    {
                        if (additional.BooleanValue == false)
                        {
                            valid = false;
                            name ??= property.Name;
                            Push(name);
                            bool keepGoing = Fail(node, "additionalProperties", $"The property \"{name}\" is not allowed here; remove it.");
                            Pop();
                            if (!keepGoing)
                            {
                                return false;
                            }
                        }
                        else if (!EvaluateMember(additional, property, ref name))
                        {
                            valid = false;
                            if (!_collect)
                            {
                                return false;
                            }
                        }
                    }
                }
            }

            if (count < node.MinProperties)
            {
                valid = false;
                if (!Fail(node, "minProperties", $"Must have at least {node.MinProperties} properties, but has {count}."))
                {
                    return false;
                }
            }

            if (count > node.MaxProperties)
            {
                valid = false;
                if (!Fail(node, "maxProperties", $"Must have at most {node.MaxProperties} properties, but has {count}."))
                {
                    return false;
                }
            }

            if (node.DependentSchemas is { } dependentSchemas)
            {
                foreach (var (trigger, schema) in dependentSchemas)
                {
                    if (instance.TryGetProperty(trigger, out _) && !Evaluate(schema, instance))
                    {
                        valid = false;
                        if (!_collect)
                        {
                            return false;
                        }
                    }
                }
            }

            return valid;
        }

        private bool EvaluateMember(SchemaNode schema, JsonProperty property, ref string? name)
        {
            if (!_collect)
            {
                return Evaluate(schema, property.Value);
            }

            name ??= property.Name;
            Push(name);
            bool valid = Evaluate(schema, property.Value);
            Pop();
            return valid;
        }

        private static SchemaNode? LookupProperty(SchemaNode node, JsonProperty property, ref string? name)
        {
            var raw = JsonMarshal.GetRawUtf8PropertyName(property);
            if (name is null && raw.Length <= 256 && raw.IndexOf((byte)'\\') < 0)
            {
                Span<char> chars = stackalloc char[raw.Length];
                int written = Encoding.UTF8.GetChars(raw, chars);
                return node.PropertyLookupBySpan.TryGetValue(chars[..written], out var schema) ? schema : null;
            }

            name ??= property.Name;
            return node.PropertyLookup!.TryGetValue(name, out var byName) ? byName : null;
        }

        private void Push(object segment)
        {
            if (_collect)
            {
                (_path ??= []).Add(segment);
            }
        }

        private readonly void Pop()
        {
            if (_collect)
            {
                _path!.RemoveAt(_path.Count - 1);
            }
        }

        /// <summary>Records an error; returns whether evaluation should go on looking for more.</summary>
        private bool Fail(SchemaNode node, string keyword, string message)
        {
            if (!Full)
            {
                return false;
            }

            (Errors ??= []).Add(new JsonSchemaError(InstancePointer(), keyword, message, node.Location + "/" + keyword));
            return Full;
        }

        private readonly string InstancePointer()
        {
            if (_path is not { Count: > 0 })
            {
                return string.Empty;
            }

            var builder = new StringBuilder();
            foreach (object segment in _path)
            {
                builder.Append('/');
                builder.Append(segment is int index ? index.ToString(CultureInfo.InvariantCulture) : JsonSchemaCompiler.EscapePointer((string)segment));
            }

            return builder.ToString();
        }
    }

    private static bool MatchesType(JsonTypes types, JsonElement instance) => instance.ValueKind switch
    {
        JsonValueKind.Null => (types & JsonTypes.Null) != 0,
        JsonValueKind.True or JsonValueKind.False => (types & JsonTypes.Boolean) != 0,
        JsonValueKind.Object => (types & JsonTypes.Object) != 0,
        JsonValueKind.Array => (types & JsonTypes.Array) != 0,
        JsonValueKind.String => (types & JsonTypes.String) != 0,
        JsonValueKind.Number => (types & JsonTypes.Number) != 0 || ((types & JsonTypes.Integer) != 0 && IsInteger(instance)),
        _ => false,
    };

    private static bool IsInteger(JsonElement number) =>
        ExactNumber.TryGetSmallDecimal(number, out decimal small) ? decimal.Truncate(small) == small : ExactNumber.From(number).IsInteger;

    private static int Compare(JsonElement instance, SchemaNumber bound) =>
        bound.Small is decimal smallBound && ExactNumber.TryGetSmallDecimal(instance, out decimal small)
            ? small.CompareTo(smallBound)
            : ExactNumber.From(instance).CompareTo(bound.Exact);

    private static bool IsMultipleOf(JsonElement instance, SchemaNumber step)
    {
        if (step.Small is decimal smallStep && ExactNumber.TryGetSmallDecimal(instance, out decimal small))
        {
            try
            {
                return small % smallStep == 0;
            }
            catch (OverflowException)
            {
                // Falls through to the exact check.
            }
        }

        return ExactNumber.From(instance).IsMultipleOf(step.Exact);
    }

    private static bool ContainsEqual(JsonElement[] candidates, JsonElement instance)
    {
        foreach (var candidate in candidates)
        {
            if (JsonElement.DeepEquals(candidate, instance))
            {
                return true;
            }
        }

        return false;
    }

    private static (int, int)? FindDuplicate(JsonElement array, long deadline)
    {
        // Indexing a JsonElement array whose items are objects or arrays scans from the start, so the items are taken
        // out once. Short arrays (what models send) compare pairwise; long ones are bucketed by a hash that agrees with
        // JsonElement.DeepEquals (1 and 1.0 hash alike), so a 100,000-item array costs linear time, not 10^10 comparisons.
        var items = new List<JsonElement>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            items.Add(item);
        }

        if (items.Count <= 32)
        {
            for (int i = 0; i < items.Count; i++)
            {
                for (int j = i + 1; j < items.Count; j++)
                {
                    if (JsonElement.DeepEquals(items[i], items[j]))
                    {
                        return (i, j);
                    }
                }
            }

            return null;
        }

        var buckets = new Dictionary<int, List<int>>(items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            if ((i & 1023) == 0 && TimedOut(deadline))
            {
                return null;
            }

            int hash = SemanticHash(items[i]);
            if (buckets.TryGetValue(hash, out var candidates))
            {
                foreach (int j in candidates)
                {
                    if (JsonElement.DeepEquals(items[j], items[i]))
                    {
                        return (j, i);
                    }
                }

                candidates.Add(i);
            }
            else
            {
                buckets[hash] = [i];
            }
        }

        return null;
    }

    // Equal under JsonElement.DeepEquals implies equal hashes: numbers hash by exact value, objects ignore member order.
    private static int SemanticHash(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                int members = 17;
                foreach (var property in element.EnumerateObject())
                {
                    members += HashCode.Combine(StringComparer.Ordinal.GetHashCode(property.Name), SemanticHash(property.Value));
                }

                return members;
            case JsonValueKind.Array:
                var items = new HashCode();
                foreach (var item in element.EnumerateArray())
                {
                    items.Add(SemanticHash(item));
                }

                return items.ToHashCode();
            case JsonValueKind.String:
                return StringComparer.Ordinal.GetHashCode(element.GetString()!);
            case JsonValueKind.Number:
                var number = ExactNumber.From(element);
                return HashCode.Combine(number.Mantissa, number.Exponent);
            default:
                return (int)element.ValueKind;
        }
    }

    private static int CodePointLength(string text)
    {
        int length = text.Length;
        foreach (char c in text)
        {
            if (char.IsLowSurrogate(c))
            {
                length--;
            }
        }

        return length;
    }

    private static string Describe(JsonElement instance) => instance.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => IsInteger(instance) ? "an integer" : "a number",
        _ => "undefined",
    };

    private static string Article(string typeText) =>
        typeText.StartsWith("object", StringComparison.Ordinal) || typeText.StartsWith("array", StringComparison.Ordinal) || typeText.StartsWith("integer", StringComparison.Ordinal)
            ? "an " + typeText
            : typeText.StartsWith("null", StringComparison.Ordinal) ? typeText : "a " + typeText;

    private static string Abbreviate(JsonElement value) => Abbreviate(value.GetRawText());

    private static string Abbreviate(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
}
