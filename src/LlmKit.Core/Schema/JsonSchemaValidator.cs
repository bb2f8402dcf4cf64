using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmKit.Schema;

/// <summary>
/// A JSON Schema (draft 2020-12) validator: compile a schema once, validate many instances. Held to the official
/// JSON-Schema-Test-Suite. Thread-safe after compilation.
/// </summary>
/// <remarks>
/// <para>
/// Supported: every assertion and applicator keyword of the core and validation vocabularies except
/// <c>unevaluatedProperties</c>/<c>unevaluatedItems</c> (ignored), <c>$ref</c> and <c>$defs</c> with <c>$id</c>
/// resolution and <c>$anchor</c>, <c>$dynamicRef</c> resolved statically, boolean schemas, and <c>format</c>
/// (<c>date-time</c>, <c>date</c>, <c>time</c>, <c>uuid</c>, <c>email</c>, <c>uri</c>) when
/// <see cref="JsonSchemaValidatorOptions.AssertFormat"/> is on. References to documents outside the schema resolve
/// only against <see cref="JsonSchemaValidatorOptions.AddDocument"/>; nothing is ever fetched.
/// </para>
/// <para>Strings are measured in Unicode code points, and numbers compare exactly when they fit a <see cref="decimal"/>.</para>
/// </remarks>
public sealed class JsonSchemaValidator
{
    private readonly SchemaNode _root;
    private readonly bool _assertFormat;
    private readonly int _maxErrors;

    private JsonSchemaValidator(SchemaNode root, JsonSchemaValidatorOptions options)
    {
        _root = root;
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

    /// <summary>Validates an instance. Never throws for any instance.</summary>
    /// <param name="instance">The instance.</param>
    /// <returns>The result: valid, or every error found (up to <see cref="JsonSchemaValidatorOptions.MaxErrors"/>).</returns>
    public JsonSchemaValidationResult Validate(JsonElement instance)
    {
        // Fast path: most instances are valid, and a pass that stops at the first failure allocates nothing.
        var quick = new Evaluation(this, collect: false);
        if (quick.Evaluate(_root, instance))
        {
            return JsonSchemaValidationResult.Valid;
        }

        var full = new Evaluation(this, collect: true);
        full.Evaluate(_root, instance);
        return new JsonSchemaValidationResult(full.Errors is { Count: > 0 } errors
            ? errors
            : [new JsonSchemaError(string.Empty, "schema", "The value does not match the schema.", _root.Location)]);
    }

    /// <summary>Returns whether an instance is valid, without collecting errors.</summary>
    /// <param name="instance">The instance.</param>
    /// <returns><see langword="true"/> when the instance satisfies the schema.</returns>
    public bool IsValid(JsonElement instance) => new Evaluation(this, collect: false).Evaluate(_root, instance);

    /// <summary>One walk over an instance. A struct over a reusable path stack: the valid path allocates nothing.</summary>
    private struct Evaluation(JsonSchemaValidator validator, bool collect)
    {
        private readonly JsonSchemaValidator _validator = validator;
        private readonly bool _collect = collect;
        private List<object>? _path;
        private int _depth;

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

            if (++_depth > JsonSchemaValidatorConstants.MaxEvaluationDepth)
            {
                _depth--;
                Fail(node, "$ref", "The schema recurses too deeply for this value to be checked.");
                return false;
            }

            bool valid = EvaluateKeywords(node, instance);
            _depth--;
            return valid;
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
            return valid;
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

            if (node.DynamicRef is { } dynamicReference && !Evaluate(dynamicReference, instance))
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
            var probe = new Evaluation(_validator, collect: false) { _depth = _depth };
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
                var attempt = new Evaluation(_validator, collect: true) { _depth = _depth, _path = _path };
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

            if (node.Pattern is { } pattern && !IsMatch(pattern, text))
            {
                valid = false;
                if (!Fail(node, "pattern", $"Must match the regular expression {node.PatternText}, but \"{Abbreviate(text)}\" does not."))
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

            if (node.UniqueItems && count > 1 && FindDuplicate(instance) is (int first, int second))
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
                foreach (string name in required)
                {
                    if (!instance.TryGetProperty(name, out _))
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

                    string name = property.Name;
                    bool known = false;
                    if (node.PropertyNames is { } propertyNames)
                    {
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

                    if (node.PropertyLookup is { } lookup && lookup.TryGetValue(name, out var propertySchema))
                    {
                        known = true;
                        if (!EvaluateMember(propertySchema, property.Value, name))
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
                        foreach (var (regex, _, schema) in patterns)
                        {
                            if (!IsMatch(regex, name))
                            {
                                continue;
                            }

                            known = true;
                            if (!EvaluateMember(schema, property.Value, name))
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
                            Push(name);
                            bool keepGoing = Fail(node, "additionalProperties", $"The property \"{name}\" is not allowed here; remove it.");
                            Pop();
                            if (!keepGoing)
                            {
                                return false;
                            }
                        }
                        else if (!EvaluateMember(additional, property.Value, name))
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

        private bool EvaluateMember(SchemaNode schema, JsonElement value, string name)
        {
            Push(name);
            bool valid = Evaluate(schema, value);
            Pop();
            return valid;
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

    private static bool IsMatch(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            // A pattern that cannot decide in time does not accept the value: failing closed keeps bad output out.
            return false;
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

    private static bool IsInteger(JsonElement number)
    {
        if (number.TryGetDecimal(out decimal exact))
        {
            return decimal.Truncate(exact) == exact;
        }

        double value = number.GetDouble();
        return double.IsFinite(value) && Math.Floor(value) == value;
    }

    private static int Compare(JsonElement instance, SchemaNumber bound)
    {
        if (bound.IsExact && instance.TryGetDecimal(out decimal exact))
        {
            return exact.CompareTo(bound.Decimal);
        }

        return instance.GetDouble().CompareTo(bound.Double);
    }

    private static bool IsMultipleOf(JsonElement instance, SchemaNumber step)
    {
        if (step.IsExact && instance.TryGetDecimal(out decimal exact))
        {
            try
            {
                return exact % step.Decimal == 0;
            }
            catch (OverflowException)
            {
                // Falls through to the floating-point check.
            }
        }

        double quotient = instance.GetDouble() / step.Double;
        return double.IsFinite(quotient) && Math.Floor(quotient) == quotient;
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

    private static (int, int)? FindDuplicate(JsonElement array)
    {
        int count = array.GetArrayLength();
        for (int i = 0; i < count; i++)
        {
            var left = array[i];
            for (int j = i + 1; j < count; j++)
            {
                if (JsonElement.DeepEquals(left, array[j]))
                {
                    return (i, j);
                }
            }
        }

        return null;
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
