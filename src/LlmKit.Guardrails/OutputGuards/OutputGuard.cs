using System.Text.Json;
using LlmKit.Schema;
using Microsoft.Extensions.AI;

namespace LlmKit.Guardrails.OutputGuards;

/// <summary>
/// A check of the model's answer before it is returned: a policy predicate, a JSON schema, allowed link domains, or a
/// check of your own (derive from this class). A failed check makes a typed failure, never a silently passed answer.
/// </summary>
public abstract class OutputGuard
{
    /// <summary>Initializes a new instance of the <see cref="OutputGuard"/> class.</summary>
    /// <param name="name">A short name for failures and logs, for example <c>allowed-links</c>.</param>
    protected OutputGuard(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>Gets the guard's name.</summary>
    public string Name { get; }

    /// <summary>Checks an answer.</summary>
    /// <param name="context">The answer and the request.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A violation, or <see langword="null"/> when the answer passes.</returns>
    public abstract ValueTask<OutputGuardViolation?> CheckAsync(OutputGuardContext context, CancellationToken cancellationToken);

    /// <summary>A guard that passes answers for which <paramref name="allows"/> returns <see langword="true"/>.</summary>
    /// <param name="name">The guard's name.</param>
    /// <param name="allows">The policy.</param>
    /// <param name="message">What is wrong when the policy says no.</param>
    /// <returns>The guard.</returns>
    public static OutputGuard Predicate(string name, Func<string, bool> allows, string message)
    {
        ArgumentNullException.ThrowIfNull(allows);
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        return new PredicateGuard(name, allows, message);
    }

    /// <summary>A guard that passes answers that are JSON valid against a schema (draft 2020-12, LlmKit's validator).</summary>
    /// <param name="schemaJson">The schema.</param>
    /// <returns>The guard.</returns>
    /// <exception cref="ArgumentException">The schema is invalid.</exception>
    public static OutputGuard JsonSchema(string schemaJson) => new SchemaGuard(JsonSchemaValidator.Compile(schemaJson));

    /// <summary>
    /// A guard that passes answers whose links (URLs, <c>www.</c> names, bare domains, markdown links and images) all
    /// point to one of <paramref name="domains"/> or their subdomains.
    /// </summary>
    /// <param name="domains">The allowed domains, for example <c>contoso.com</c>.</param>
    /// <returns>The guard.</returns>
    public static OutputGuard AllowedLinks(params string[] domains) => new AllowedLinksGuard(domains);

    private sealed class PredicateGuard(string name, Func<string, bool> allows, string message) : OutputGuard(name)
    {
        public override ValueTask<OutputGuardViolation?> CheckAsync(OutputGuardContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult(allows(context.Text) ? null : new OutputGuardViolation(Name, message, []));
    }

    private sealed class SchemaGuard(JsonSchemaValidator validator) : OutputGuard("json-schema")
    {
        public override ValueTask<OutputGuardViolation?> CheckAsync(OutputGuardContext context, CancellationToken cancellationToken)
        {
            string json = StripFence(context.Text);
            try
            {
                using var document = JsonDocument.Parse(json);
                var result = validator.Validate(document.RootElement);
                return ValueTask.FromResult(result.IsValid ? null
                    : new OutputGuardViolation(Name, "The answer does not match the schema.", result.Errors.Select(e => e.ToString()).ToList()));
            }
            catch (JsonException ex)
            {
                return ValueTask.FromResult<OutputGuardViolation?>(new OutputGuardViolation(Name, "The answer is not JSON.", [ex.Message]));
            }
        }

        private static string StripFence(string text)
        {
            var span = text.AsSpan().Trim();
            if (span.StartsWith("```", StringComparison.Ordinal) && span.EndsWith("```", StringComparison.Ordinal) && span.Length > 6)
            {
                span = span[3..^3];
                int newline = span.IndexOf('\n');
                span = newline >= 0 ? span[(newline + 1)..] : span;
            }

            return span.ToString();
        }
    }

    private sealed class AllowedLinksGuard : OutputGuard
    {
        private readonly string[] _domains;
        private readonly Pii.Detectors.UrlDetector _urls = new();

        public AllowedLinksGuard(string[] domains)
            : base("allowed-links")
        {
            ArgumentNullException.ThrowIfNull(domains);
            _domains = domains.Select(d => d.Trim().TrimStart('.').ToLowerInvariant()).Where(d => d.Length > 0).ToArray();
        }

        public override ValueTask<OutputGuardViolation?> CheckAsync(OutputGuardContext context, CancellationToken cancellationToken)
        {
            var matches = new List<Pii.PiiMatch>();
            _urls.Detect(context.Text, matches);
            var rejected = matches
                .Select(m => Host(context.Text.Substring(m.Start, m.Length)))
                .Where(host => host.Length > 0 && !_domains.Any(d => host == d || host.EndsWith("." + d, StringComparison.Ordinal)))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            return ValueTask.FromResult(rejected.Count == 0 ? null
                : new OutputGuardViolation(Name, $"The answer links to domains that are not allowed: {string.Join(", ", rejected)}.", rejected));
        }

        private static string Host(string link)
        {
            int scheme = link.IndexOf("://", StringComparison.Ordinal);
            var rest = scheme >= 0 ? link.AsSpan(scheme + 3) : link.AsSpan();
            int at = rest.IndexOf('@');
            int slash = rest.IndexOfAny('/', '?', '#');
            if (at >= 0 && (slash < 0 || at < slash))
            {
                rest = rest[(at + 1)..]; // user-info
                slash = rest.IndexOfAny('/', '?', '#');
            }

            var host = slash >= 0 ? rest[..slash] : rest;
            int colon = host.LastIndexOf(':');
            if (colon >= 0 && host.IndexOf(']') < colon)
            {
                host = host[..colon];
            }

            return host.ToString().TrimEnd('.').ToLowerInvariant();
        }
    }
}

/// <summary>What an <see cref="OutputGuard"/> checks.</summary>
/// <param name="Text">The answer's text: the last assistant message, as the caller will get it.</param>
/// <param name="Response">The whole response.</param>
/// <param name="Request">The messages that were sent.</param>
public readonly record struct OutputGuardContext(string Text, ChatResponse Response, IReadOnlyList<ChatMessage> Request);

/// <summary>One failed check.</summary>
/// <param name="Guard">The guard's name.</param>
/// <param name="Message">What is wrong, in one sentence.</param>
/// <param name="Details">Specifics: schema errors, rejected domains.</param>
public sealed record OutputGuardViolation(string Guard, string Message, IReadOnlyList<string> Details)
{
    /// <inheritdoc />
    public override string ToString() => Details.Count == 0 ? $"{Guard}: {Message}" : $"{Guard}: {Message} ({string.Join("; ", Details)})";
}
