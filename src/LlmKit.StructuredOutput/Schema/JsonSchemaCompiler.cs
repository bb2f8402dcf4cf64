using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmKit.Schema;

/// <summary>
/// Turns a schema document into <see cref="SchemaNode"/>s once: indexes every <c>$id</c> and <c>$anchor</c>, then
/// compiles from the root, resolving <c>$ref</c> eagerly. Nodes are cached by document position before their keywords
/// are filled in, so recursive schemas compile to cyclic graphs instead of recursing forever.
/// </summary>
internal sealed class JsonSchemaCompiler
{
    private const string RootDocument = "";

    private readonly Dictionary<string, Target> _resources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Target> _anchors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SchemaNode> _compiled = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SchemaResource> _resourceObjects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, Target>> _dynamicAnchorTargets = new(StringComparer.Ordinal);
    private readonly JsonSchemaValidatorOptions _options;
    private bool _usesDynamicScope;

    private JsonSchemaCompiler(JsonSchemaValidatorOptions options)
    {
        _options = options;
    }

    public static CompiledSchema Compile(JsonElement schema, JsonSchemaValidatorOptions options)
    {
        var compiler = new JsonSchemaCompiler(options);
        foreach (var (uri, document) in options.Documents)
        {
            compiler.IndexDocument(document, uri);
        }

        compiler.Index(schema, SchemaUri.DefaultBase, RootDocument, string.Empty, isResourceRoot: true);
        var root = compiler.CompileAt(new Target(schema, SchemaUri.DefaultBase, RootDocument, string.Empty));
        if (compiler._usesDynamicScope)
        {
            compiler.LinkDynamicAnchors();
        }

        return new CompiledSchema(root, compiler._usesDynamicScope);
    }

    private void IndexDocument(JsonElement document, string retrievalUri)
    {
        // A document is found by the URI it was retrieved by, and also by its own $id when it declares another one.
        var uri = new Uri(retrievalUri, UriKind.Absolute);
        _resources.TryAdd(retrievalUri, new Target(document, uri, retrievalUri, string.Empty));
        Index(document, uri, retrievalUri, string.Empty, isResourceRoot: true);
    }

    // Only needed when some $dynamicRef can be redirected: compiles every resource's $dynamicAnchors so evaluation can
    // look them up. Compiling an anchor may reach new resources, hence the loop until nothing changes.
    private void LinkDynamicAnchors()
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var resource in _resourceObjects.Values.ToArray())
            {
                if (resource.DynamicAnchors is null && _dynamicAnchorTargets.TryGetValue(resource.Uri, out var targets))
                {
                    resource.DynamicAnchors = targets.ToDictionary(t => t.Key, t => CompileAt(t.Value), StringComparer.Ordinal);
                    changed = true;
                }
            }
        }
    }

    private SchemaResource ResourceOf(Uri baseUri)
    {
        string key = SchemaUri.WithoutFragment(baseUri);
        if (!_resourceObjects.TryGetValue(key, out var resource))
        {
            _resourceObjects[key] = resource = new SchemaResource(key);
        }

        return resource;
    }

    private readonly record struct Target(JsonElement Element, Uri BaseUri, string Document, string Pointer);

    private static Uri BaseOf(JsonElement element, Uri baseUri)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$id", out var id))
        {
            if (id.ValueKind != JsonValueKind.String)
            {
                throw new ArgumentException("'$id' must be a string.");
            }

            string text = id.GetString()!;
            if (text.EndsWith('#'))
            {
                text = text[..^1];
            }

            return SchemaUri.Resolve(baseUri, text);
        }

        return baseUri;
    }

    private void Index(JsonElement element, Uri baseUri, string document, string pointer, bool isResourceRoot)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            if (isResourceRoot)
            {
                _resources.TryAdd(SchemaUri.WithoutFragment(baseUri), new Target(element, baseUri, document, pointer));
            }

            return;
        }

        // A Target keeps the base URI in effect outside its element; compiling it applies the element's own $id.
        var target = new Target(element, baseUri, document, pointer);
        var newBase = BaseOf(element, baseUri);
        if (isResourceRoot || !ReferenceEquals(newBase, baseUri))
        {
            _resources.TryAdd(SchemaUri.WithoutFragment(newBase), target);
        }

        foreach (string anchorKeyword in (ReadOnlySpan<string>)["$anchor", "$dynamicAnchor"])
        {
            if (element.TryGetProperty(anchorKeyword, out var anchor) && anchor.ValueKind == JsonValueKind.String)
            {
                _anchors.TryAdd(SchemaUri.WithoutFragment(newBase) + "#" + anchor.GetString(), target);
                if (anchorKeyword == "$dynamicAnchor")
                {
                    string resourceKey = SchemaUri.WithoutFragment(newBase);
                    if (!_dynamicAnchorTargets.TryGetValue(resourceKey, out var inResource))
                    {
                        _dynamicAnchorTargets[resourceKey] = inResource = new Dictionary<string, Target>(StringComparer.Ordinal);
                    }

                    inResource.TryAdd(anchor.GetString()!, target);
                }
            }
        }

        foreach (var property in element.EnumerateObject())
        {
            string child = pointer + "/" + EscapePointer(property.Name);
            switch (property.Name)
            {
                case "properties" or "patternProperties" or "$defs" or "definitions" or "dependentSchemas":
                    if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var member in property.Value.EnumerateObject())
                        {
                            Index(member.Value, newBase, document, child + "/" + EscapePointer(member.Name), isResourceRoot: false);
                        }
                    }

                    break;
                case "prefixItems" or "allOf" or "anyOf" or "oneOf" or "items":
                    if (property.Value.ValueKind == JsonValueKind.Array)
                    {
                        int i = 0;
                        foreach (var item in property.Value.EnumerateArray())
                        {
                            Index(item, newBase, document, child + "/" + i.ToString(CultureInfo.InvariantCulture), isResourceRoot: false);
                            i++;
                        }
                    }
                    else
                    {
                        Index(property.Value, newBase, document, child, isResourceRoot: false);
                    }

                    break;
                case "additionalProperties" or "propertyNames" or "contains" or "not" or "if" or "then" or "else"
                    or "unevaluatedProperties" or "unevaluatedItems" or "additionalItems":
                    Index(property.Value, newBase, document, child, isResourceRoot: false);
                    break;
            }
        }
    }

    private SchemaNode CompileAt(Target target)
    {
        string key = target.Document + "#" + target.Pointer;
        if (_compiled.TryGetValue(key, out var existing))
        {
            return existing;
        }

        string location = target.Document.Length == 0 ? "#" + target.Pointer : target.Document + "#" + target.Pointer;
        var element = target.Element;
        switch (element.ValueKind)
        {
            case JsonValueKind.True:
                return _compiled[key] = new SchemaNode { Location = location, BooleanValue = true };
            case JsonValueKind.False:
                return _compiled[key] = new SchemaNode { Location = location, BooleanValue = false };
            case JsonValueKind.Object:
                break;
            default:
                throw new ArgumentException($"The schema at '{location}' must be an object or a boolean, not {element.ValueKind}.");
        }

        var node = new SchemaNode { Location = location };
        _compiled[key] = node;
        var baseUri = BaseOf(element, target.BaseUri);
        node.Resource = ResourceOf(baseUri);
        try
        {
            Fill(node, element, baseUri, target.Document, target.Pointer);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or KeyNotFoundException or IndexOutOfRangeException)
        {
            throw new ArgumentException($"The schema at '{location}' is not valid: {ex.Message}", ex);
        }

        return node;
    }

    private SchemaNode Sub(JsonElement element, Uri baseUri, string document, string pointer) =>
        CompileAt(new Target(element, baseUri, document, pointer));

    private void Fill(SchemaNode node, JsonElement schema, Uri baseUri, string document, string pointer)
    {
        foreach (var property in schema.EnumerateObject())
        {
            var value = property.Value;
            string child = pointer + "/" + EscapePointer(property.Name);
            switch (property.Name)
            {
                case "type":
                    (node.Types, node.TypeText) = ParseTypes(value, node.Location);
                    break;
                case "enum":
                    node.Enum = value.ValueKind == JsonValueKind.Array
                        ? value.EnumerateArray().Select(e => e.Clone()).ToArray()
                        : throw Invalid(node, "enum", "must be an array");
                    break;
                case "const":
                    node.HasConst = true;
                    node.Const = value.Clone();
                    break;
                case "minimum":
                    node.Minimum = ParseNumber(value, node, "minimum");
                    break;
                case "maximum":
                    node.Maximum = ParseNumber(value, node, "maximum");
                    break;
                case "exclusiveMinimum":
                    node.ExclusiveMinimum = ParseNumber(value, node, "exclusiveMinimum");
                    break;
                case "exclusiveMaximum":
                    node.ExclusiveMaximum = ParseNumber(value, node, "exclusiveMaximum");
                    break;
                case "multipleOf":
                    node.MultipleOf = ParseNumber(value, node, "multipleOf");
                    if (node.MultipleOf.Value.Exact.Sign <= 0)
                    {
                        throw Invalid(node, "multipleOf", "must be greater than 0");
                    }

                    break;
                case "minLength":
                    node.MinLength = ParseCount(value, node, "minLength");
                    break;
                case "maxLength":
                    node.MaxLength = ParseCount(value, node, "maxLength");
                    break;
                case "pattern":
                    node.PatternText = value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid(node, "pattern", "must be a string");
                    node.Pattern = ParseRegex(node.PatternText!, node, "pattern");
                    break;
                case "format":
                    node.Format = value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid(node, "format", "must be a string");
                    break;
                case "prefixItems":
                    node.PrefixItems = SubArray(value, baseUri, document, child, node, "prefixItems");
                    break;
                case "items":
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        // Draft 2019-09 tuple form: accepted so older schemas keep working.
                        node.PrefixItems = SubArray(value, baseUri, document, child, node, "items");
                    }
                    else
                    {
                        node.Items = Sub(value, baseUri, document, child);
                    }

                    break;
                case "additionalItems":
                    if (schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array)
                    {
                        node.Items = Sub(value, baseUri, document, child);
                    }

                    break;
                case "contains":
                    node.Contains = Sub(value, baseUri, document, child);
                    break;
                case "minContains":
                    node.MinContains = ParseCount(value, node, "minContains");
                    break;
                case "maxContains":
                    node.MaxContains = ParseCount(value, node, "maxContains");
                    break;
                case "minItems":
                    node.MinItems = ParseCount(value, node, "minItems");
                    break;
                case "maxItems":
                    node.MaxItems = ParseCount(value, node, "maxItems");
                    break;
                case "uniqueItems":
                    node.UniqueItems = value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw Invalid(node, "uniqueItems", "must be a boolean"),
                    };
                    break;
                case "properties":
                    node.Properties = SubMap(value, baseUri, document, child, node, "properties");
                    node.PropertyLookup = node.Properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
                    node.PropertyLookupBySpan = node.PropertyLookup.GetAlternateLookup<ReadOnlySpan<char>>();
                    break;
                case "patternProperties":
                    node.PatternProperties = SubMap(value, baseUri, document, child, node, "patternProperties")
                        .Select(p => (ParseRegex(p.Key, node, "patternProperties"), p.Key, p.Value))
                        .ToArray();
                    break;
                case "additionalProperties":
                    node.AdditionalProperties = Sub(value, baseUri, document, child);
                    break;
                case "propertyNames":
                    node.PropertyNames = Sub(value, baseUri, document, child);
                    break;
                case "required":
                    node.Required = ParseStrings(value, node, "required");
                    node.RequiredUtf8 = node.Required.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();
                    break;
                case "minProperties":
                    node.MinProperties = ParseCount(value, node, "minProperties");
                    break;
                case "maxProperties":
                    node.MaxProperties = ParseCount(value, node, "maxProperties");
                    break;
                case "dependentRequired":
                    node.DependentRequired = value.ValueKind == JsonValueKind.Object
                        ? value.EnumerateObject().Select(p => new KeyValuePair<string, string[]>(p.Name, ParseStrings(p.Value, node, "dependentRequired"))).ToArray()
                        : throw Invalid(node, "dependentRequired", "must be an object");
                    break;
                case "dependentSchemas":
                    node.DependentSchemas = SubMap(value, baseUri, document, child, node, "dependentSchemas");
                    break;
                case "allOf":
                    node.AllOf = SubArray(value, baseUri, document, child, node, "allOf");
                    break;
                case "anyOf":
                    node.AnyOf = SubArray(value, baseUri, document, child, node, "anyOf");
                    break;
                case "oneOf":
                    node.OneOf = SubArray(value, baseUri, document, child, node, "oneOf");
                    break;
                case "not":
                    node.Not = Sub(value, baseUri, document, child);
                    break;
                case "if":
                    node.If = Sub(value, baseUri, document, child);
                    break;
                case "then":
                    node.Then = Sub(value, baseUri, document, child);
                    break;
                case "else":
                    node.Else = Sub(value, baseUri, document, child);
                    break;
                case "$ref":
                    node.RefText = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid(node, "$ref", "must be a string");
                    node.Ref = CompileAt(Resolve(baseUri, node.RefText, node));
                    break;
                case "$dynamicRef":
                    string dynamicRef = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid(node, "$dynamicRef", "must be a string");
                    var dynamicTarget = Resolve(baseUri, dynamicRef, node);
                    node.DynamicRef = CompileAt(dynamicTarget);

                    // Dynamic only when the first target bookends it with the same $dynamicAnchor; otherwise it is a $ref.
                    string anchorName = SchemaUri.Fragment(SchemaUri.Resolve(baseUri, dynamicRef));
                    if (anchorName.Length > 0 && anchorName[0] != '/' &&
                        dynamicTarget.Element.ValueKind == JsonValueKind.Object &&
                        dynamicTarget.Element.TryGetProperty("$dynamicAnchor", out var declared) &&
                        declared.ValueKind == JsonValueKind.String && declared.GetString() == anchorName)
                    {
                        node.DynamicRefAnchor = anchorName;
                        _usesDynamicScope = true;
                    }

                    break;
                case "unevaluatedProperties":
                    node.UnevaluatedProperties = Sub(value, baseUri, document, child);
                    break;
                case "unevaluatedItems":
                    node.UnevaluatedItems = Sub(value, baseUri, document, child);
                    break;
                case "$defs" or "definitions":
                    if (value.ValueKind != JsonValueKind.Object)
                    {
                        throw Invalid(node, property.Name, "must be an object");
                    }

                    break;
            }
        }

        if (node.If is null)
        {
            node.Then = null;
            node.Else = null;
        }
    }

    private Target Resolve(Uri baseUri, string reference, SchemaNode node)
    {
        Uri target;
        try
        {
            target = SchemaUri.Resolve(baseUri, reference);
        }
        catch (UriFormatException ex)
        {
            throw new ArgumentException($"The $ref '{reference}' at '{node.Location}' is not a valid URI reference.", ex);
        }

        string resourceKey = SchemaUri.WithoutFragment(target);
        string fragment = SchemaUri.Fragment(target);
        if (!_resources.ContainsKey(resourceKey) && JsonSchemaMetaSchemas.TryGet(resourceKey, out var metaSchema))
        {
            IndexDocument(metaSchema, resourceKey);
        }

        if (fragment.Length > 0 && fragment[0] != '/')
        {
            return _anchors.TryGetValue(resourceKey + "#" + fragment, out var anchored)
                ? anchored
                : throw new ArgumentException($"The $ref '{reference}' at '{node.Location}' names an anchor that does not exist.");
        }

        if (!_resources.TryGetValue(resourceKey, out var resource))
        {
            throw new ArgumentException(
                $"The $ref '{reference}' at '{node.Location}' points outside the schema; add the document with JsonSchemaValidatorOptions.AddDocument.");
        }

        return fragment.Length == 0 ? resource : Navigate(resource, fragment, reference, node);
    }

    private static Target Navigate(Target start, string pointer, string reference, SchemaNode node)
    {
        var current = start.Element;
        var outerBase = start.BaseUri;
        var path = new System.Text.StringBuilder(start.Pointer);
        foreach (string rawToken in pointer[1..].Split('/'))
        {
            string token = rawToken.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            var innerBase = BaseOf(current, outerBase);
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(token, out var next))
            {
                current = next;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                throw new ArgumentException($"The $ref '{reference}' at '{node.Location}' points to a location that does not exist.");
            }

            path.Append('/').Append(EscapePointer(token));
            outerBase = innerBase;
        }

        return new Target(current, outerBase, start.Document, path.ToString());
    }

    private SchemaNode[] SubArray(JsonElement value, Uri baseUri, string document, string pointer, SchemaNode node, string keyword)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            throw Invalid(node, keyword, "must be a non-empty array of schemas");
        }

        var result = new SchemaNode[value.GetArrayLength()];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Sub(value[i], baseUri, document, pointer + "/" + i.ToString(CultureInfo.InvariantCulture));
        }

        return result;
    }

    private KeyValuePair<string, SchemaNode>[] SubMap(JsonElement value, Uri baseUri, string document, string pointer, SchemaNode node, string keyword)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(node, keyword, "must be an object whose values are schemas");
        }

        return value.EnumerateObject()
            .Select(p => new KeyValuePair<string, SchemaNode>(p.Name, Sub(p.Value, baseUri, document, pointer + "/" + EscapePointer(p.Name))))
            .ToArray();
    }

    private static (JsonTypes, string) ParseTypes(JsonElement value, string location)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return (ParseType(value.GetString()!, location), value.GetString()!);
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            var types = JsonTypes.None;
            var names = new List<string>();
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    throw new ArgumentException($"The schema at '{location}' has a 'type' array with a non-string entry.");
                }

                types |= ParseType(item.GetString()!, location);
                names.Add(item.GetString()!);
            }

            return (types, names.Count == 1 ? names[0] : string.Join(" or ", names));
        }

        throw new ArgumentException($"The schema at '{location}' has a 'type' that is neither a string nor an array.");
    }

    private static JsonTypes ParseType(string name, string location) => name switch
    {
        "null" => JsonTypes.Null,
        "boolean" => JsonTypes.Boolean,
        "object" => JsonTypes.Object,
        "array" => JsonTypes.Array,
        "number" => JsonTypes.Number | JsonTypes.Integer,
        "integer" => JsonTypes.Integer,
        "string" => JsonTypes.String,
        _ => throw new ArgumentException($"The schema at '{location}' has an unknown type '{name}'."),
    };

    private static SchemaNumber ParseNumber(JsonElement value, SchemaNode node, string keyword)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Invalid(node, keyword, "must be a number");
        }

        return new SchemaNumber(
            ExactNumber.TryGetSmallDecimal(value, out decimal small) ? small : null, ExactNumber.From(value), value.GetRawText());
    }

    private static int ParseCount(JsonElement value, SchemaNode node, string keyword)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double d) && d >= 0 && Math.Floor(d) == d)
        {
            return d >= int.MaxValue ? int.MaxValue : (int)d;
        }

        throw Invalid(node, keyword, "must be a non-negative integer");
    }

    private static string[] ParseStrings(JsonElement value, SchemaNode node, string keyword)
    {
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw Invalid(node, keyword, "must be an array of strings");
        }

        return value.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    private Regex ParseRegex(string pattern, SchemaNode node, string keyword)
    {
        try
        {
            return EcmaRegex.Create(pattern, _options.RegexTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The schema at '{node.Location}' has an invalid regular expression in '{keyword}': {ex.Message}", ex);
        }
    }

    private static ArgumentException Invalid(SchemaNode node, string keyword, string problem) =>
        new($"The schema at '{node.Location}' is not valid: '{keyword}' {problem}.");

    internal static string EscapePointer(string token) =>
        token.Contains('~', StringComparison.Ordinal) || token.Contains('/', StringComparison.Ordinal)
            ? token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)
            : token;
}

/// <summary>A compiled schema: its root node, and whether evaluation must track the dynamic scope for <c>$dynamicRef</c>.</summary>
internal readonly record struct CompiledSchema(SchemaNode Root, bool UsesDynamicScope);
