using System.Globalization;
using LlmKit.Orchestration.Cascades;
using LlmKit.StructuredOutput;
using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace BatchPipeline;

/// <summary>
/// <c>--cascade</c>: each document goes to the cheap model first and only to the strong one when the cheap answer fails
/// the schema (<see cref="ChatCascade"/>, one attempt per tier: an escalation instead of a re-ask). Prints how many
/// documents each tier answered and what the run cost against what the strong model alone would have.
/// </summary>
public static class CascadeMode
{
    /// <summary>The name the cascade is registered under.</summary>
    public const string CascadeName = "triage";

    /// <summary>The name of the strong tier's client.</summary>
    public const string StrongClientName = "classifier-strong";

    /// <summary>The offline strong model's id (priced in appsettings.json).</summary>
    public const string StrongModelId = "demo-classifier-strong";

    /// <summary>Classifies every document of the input folder through the cascade.</summary>
    /// <returns>The exit code: 0 when every document was classified, 1 when some were not.</returns>
    public static async Task<int> RunAsync(ChatCascade cascade, BatchOptions options, LlmKit.Models.IModelCatalog catalog, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cascade);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(output);
        string folder = BatchPaths.ResolveInput(options.InputFolder);
        var oneAttempt = new StructuredOutputOptions
        {
            MaxAttempts = 1,
            ChatOptions = new ChatOptions().WithCallerTags(new CallerTags(Tenant: options.Tenant, Feature: BatchClassifier.Feature)),
        };
        var answeredBy = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int documents = 0, failed = 0;
        decimal cost = 0m, strongOnly = 0m;
        var strong = catalog.Find(StrongModelId);
        foreach (string path in Directory.EnumerateFiles(folder, options.SearchPattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string text = await File.ReadAllTextAsync(path, cancellationToken);
            text = text.Length > options.MaxDocumentChars ? text[..options.MaxDocumentChars] : text;
            documents++;
            List<ChatMessage> messages = [new(ChatRole.System, BatchClassifier.Instructions), new(ChatRole.User, $"<document>\n{text}\n</document>")];
            var result = await cascade.GetObjectAsync<TicketClassification>(messages, oneAttempt, cancellationToken: cancellationToken);
            cost += result.Cost;
            // What the strong model alone would have cost: its price for the tokens of the first tier's call.
            strongOnly += result.Steps[0].Usage is { } usage && strong is not null ? strong.CostOf(usage) : 0m;
            if (result.IsAccepted && result.AnsweredBy is { } tier)
            {
                answeredBy[tier] = answeredBy.GetValueOrDefault(tier) + 1;
            }
            else
            {
                failed++;
                await output.WriteLineAsync($"  failed: {Path.GetRelativePath(folder, path)}: {result}");
            }
        }

        var inv = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(string.Create(inv,
            $"Cascade: {documents - failed} classified ({string.Join(", ", answeredBy.Select(t => $"{t.Value} by {t.Key}"))}), {failed} failed (of {documents})."));
        await output.WriteLineAsync(string.Create(inv,
            $"  cost ${cost:F4} (usage ledger prices); the strong model alone ≈ ${strongOnly:F4}."));
        return failed == 0 ? 0 : 1;
    }
}
