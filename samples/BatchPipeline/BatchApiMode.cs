using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using LlmKit.Batches;
using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace BatchPipeline;

/// <summary>
/// <c>--batch-api</c>: the same documents sent as one batch through the provider's batch API (half price, answered within
/// 24 hours) with <see cref="ChatBatchRunner"/>: submitted once (the batch id is stored before the call returns), polled
/// with back-off, each result mapped back to its document and priced at the batch discount in the usage ledger.
/// A batch has no conversation, so an invalid answer cannot be re-asked: it is reported for a synchronous run instead.
/// </summary>
public static class BatchApiMode
{
    /// <summary>The name the batch client is registered under.</summary>
    public const string ClientName = "classifier-batch";

    /// <summary>Submits every document of the input folder as one batch, waits for it, and prints what came back.</summary>
    /// <returns>The exit code: 0 when every document was classified, 1 when some were not.</returns>
    public static async Task<int> RunAsync(ChatBatchRunner runner, BatchOptions options, string modelId, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        string folder = BatchPaths.ResolveInput(options.InputFolder);
        var requests = new List<BatchChatRequest>();
        foreach (string path in Directory.EnumerateFiles(folder, options.SearchPattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string text = await File.ReadAllTextAsync(path, cancellationToken);
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            text = text.Length > options.MaxDocumentChars ? text[..options.MaxDocumentChars] : text;
            requests.Add(new BatchChatRequest(
                Path.GetRelativePath(folder, path).Replace('\\', '/'),
                [new(ChatRole.System, BatchClassifier.Instructions), new(ChatRole.User, $"<document>\n{text}\n</document>")],
                new ChatOptions { ModelId = modelId, ResponseFormat = ChatResponseFormat.ForJsonSchema<TicketClassification>() }));
        }

        if (requests.Count == 0)
        {
            await output.WriteLineAsync($"No documents in {folder}.");
            return 0;
        }

        var tags = new CallerTags(Tenant: options.Tenant, Feature: BatchClassifier.Feature);
        var record = await runner.SubmitAsync(ClientName, requests, tags, cancellationToken);
        await output.WriteLineAsync($"Submitted {requests.Count} documents as batch {record.BatchId}; waiting for it (a real provider takes minutes to hours).");
        var result = await runner.WaitAsync(record.BatchId, progress: null, cancellationToken);

        int classified = 0;
        var needsSyncRun = new List<string>();
        var byCategory = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in result.Items.OrderBy(i => i.CustomId, StringComparer.Ordinal))
        {
            if (item.Response is { } response && Parse(response.Text) is { } classification)
            {
                classified++;
                string category = classification.Category.ToString();
                byCategory[category] = byCategory.GetValueOrDefault(category) + 1;
            }
            else
            {
                needsSyncRun.Add($"{item.CustomId}: {(item.Failure?.ToString() ?? "the answer does not match the schema")}");
            }
        }

        var inv = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(string.Create(inv,
            $"Batch {result.Record.BatchId}: {classified} classified, {needsSyncRun.Count} to redo synchronously (of {requests.Count}); ${result.Cost:F4} at the batch price (usage ledger)."));
        await output.WriteLineAsync("  by category: " + string.Join(", ", byCategory.Select(c => $"{c.Key} {c.Value}")));
        foreach (string problem in needsSyncRun)
        {
            await output.WriteLineAsync($"  redo: {problem}");
        }

        return needsSyncRun.Count == 0 ? 0 : 1;
    }

    private static TicketClassification? Parse(string json)
    {
        try
        {
            var value = JsonSerializer.Deserialize<TicketClassification>(json, ProgressLog.Json);
            return value is not null && Validator.TryValidateObject(value, new ValidationContext(value), null, validateAllProperties: true) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
