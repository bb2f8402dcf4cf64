using Microsoft.Extensions.AI;

namespace LlmKit.Rag.Embeddings;

/// <summary>
/// Splits large embedding requests into batches of at most <see cref="BatchingEmbeddingGeneratorOptions.MaxBatchSize"/>
/// inputs and runs at most <see cref="BatchingEmbeddingGeneratorOptions.MaxConcurrency"/> of them at once, returning
/// the embeddings in input order. Put it outside resilience and caching stages so each batch is retried and cached alone.
/// </summary>
/// <remarks>
/// A failed batch fails the whole request (and cancels the batches not yet finished): a caller that gets a partial
/// result could not tell which inputs are missing, and ingestion relies on all-or-nothing to keep indexes consistent.
/// </remarks>
public sealed class BatchingEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly BatchingEmbeddingGeneratorOptions _options;

    /// <summary>Initializes a new instance of the <see cref="BatchingEmbeddingGenerator"/> class.</summary>
    /// <param name="innerGenerator">The generator that embeds each batch.</param>
    /// <param name="options">The options; <see langword="null"/> for the defaults.</param>
    public BatchingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator, BatchingEmbeddingGeneratorOptions? options = null)
        : base(innerGenerator)
    {
        _options = options ?? new BatchingEmbeddingGeneratorOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values as IReadOnlyList<string> ?? values.ToList();
        int batchSize = _options.MaxBatchSize;

        // Fast path: one batch needs no splitting, scheduling or reassembly.
        if (inputs.Count <= batchSize)
        {
            return await base.GenerateAsync(inputs, options, cancellationToken).ConfigureAwait(false);
        }

        int batchCount = (inputs.Count + batchSize - 1) / batchSize;
        var results = new GeneratedEmbeddings<Embedding<float>>?[batchCount];
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var gate = new SemaphoreSlim(_options.MaxConcurrency);
        var tasks = new Task[batchCount];
        for (int b = 0; b < batchCount; b++)
        {
            int batch = b;
            tasks[b] = RunBatchAsync(batch);
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch when (!cancellationToken.IsCancellationRequested)
        {
            // Surface the first real failure, not the cancellations it caused in sibling batches.
            var first = tasks.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException;
            if (first is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
            }

            throw;
        }

        var combined = new GeneratedEmbeddings<Embedding<float>>(inputs.Count);
        UsageDetails? usage = null;
        foreach (var part in results)
        {
            combined.AddRange(part!);
            if (part!.Usage is { } u)
            {
                usage ??= new UsageDetails();
                usage.Add(u);
            }
        }

        combined.Usage = usage;
        return combined;

        async Task RunBatchAsync(int batch)
        {
            await gate.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                int start = batch * batchSize;
                int count = Math.Min(batchSize, inputs.Count - start);
                var slice = new string[count];
                for (int i = 0; i < count; i++)
                {
                    slice[i] = inputs[start + i];
                }

                var part = await base.GenerateAsync(slice, options, linked.Token).ConfigureAwait(false);
                if (part.Count != count)
                {
                    throw new InvalidOperationException($"The inner generator returned {part.Count} embeddings for a batch of {count} inputs.");
                }

                results[batch] = part;
            }
            catch
            {
                await linked.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
