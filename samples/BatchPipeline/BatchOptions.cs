using Microsoft.Extensions.Options;

namespace BatchPipeline;

/// <summary>Settings of a batch run, bound from the <c>Batch</c> section (appsettings.json, environment, command line).</summary>
public sealed class BatchOptions
{
    /// <summary>The configuration section: <c>Batch</c>.</summary>
    public const string SectionName = "Batch";

    /// <summary>Short command-line switches for the settings people change most.</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--input"] = $"{SectionName}:{nameof(InputFolder)}",
        ["--output"] = $"{SectionName}:{nameof(OutputFolder)}",
        ["--concurrency"] = $"{SectionName}:{nameof(MaxConcurrency)}",
        ["--budget"] = $"{SectionName}:{nameof(RunBudgetUsd)}",
        ["--retry-failed"] = $"{SectionName}:{nameof(RetryFailed)}",
    };

    /// <summary>Gets or sets the folder of documents to classify (searched recursively).</summary>
    public string InputFolder { get; set; } = "tickets";

    /// <summary>Gets or sets which files in <see cref="InputFolder"/> are documents.</summary>
    public string SearchPattern { get; set; } = "*.txt";

    /// <summary>Gets or sets where the progress file and the results go. Use one output folder per input folder.</summary>
    public string OutputFolder { get; set; } = "batch-output";

    /// <summary>Gets or sets how many documents are classified at once.</summary>
    /// <remarks>Match it to the provider's rate limit: beyond it, more concurrency only buys 429s.</remarks>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>
    /// Gets or sets the most this run may spend, in US dollars, priced from the model catalog. The budget stage
    /// reserves each call's worst case before it is made, so concurrent calls cannot overspend it.
    /// <see langword="null"/> for no run budget.
    /// </summary>
    public decimal? RunBudgetUsd { get; set; } = 0.25m;

    /// <summary>Gets or sets whether documents that failed in an earlier run are tried again.</summary>
    public bool RetryFailed { get; set; } = true;

    /// <summary>Gets or sets the tenant the calls are billed to (the usage ledger and per-tenant budgets group by it).</summary>
    public string Tenant { get; set; } = "support-batch";

    /// <summary>Gets or sets how much of a long document is sent to the model.</summary>
    public int MaxDocumentChars { get; set; } = 8_000;

    /// <summary>Gets or sets how often a plain progress line is printed when the output is redirected (CI logs).</summary>
    public TimeSpan LogProgressEvery { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Rejects unusable settings when the host starts, before any document is read.</summary>
internal sealed class BatchOptionsValidator : IValidateOptions<BatchOptions>
{
    public ValidateOptionsResult Validate(string? name, BatchOptions options)
    {
        List<string> failures = [];
        string section = BatchOptions.SectionName;
        if (string.IsNullOrWhiteSpace(options.InputFolder))
        {
            failures.Add($"{section}:InputFolder must be set.");
        }
        else if (!Directory.Exists(BatchPaths.ResolveInput(options.InputFolder)))
        {
            failures.Add($"{section}:InputFolder '{options.InputFolder}' does not exist.");
        }

        if (string.IsNullOrWhiteSpace(options.OutputFolder))
        {
            failures.Add($"{section}:OutputFolder must be set.");
        }

        if (string.IsNullOrWhiteSpace(options.SearchPattern))
        {
            failures.Add($"{section}:SearchPattern must be set.");
        }

        if (options.MaxConcurrency is < 1 or > 256)
        {
            failures.Add($"{section}:MaxConcurrency must be between 1 and 256, but was {options.MaxConcurrency}.");
        }

        if (options.RunBudgetUsd is <= 0)
        {
            failures.Add($"{section}:RunBudgetUsd must be positive when set, but was {options.RunBudgetUsd}.");
        }

        if (string.IsNullOrWhiteSpace(options.Tenant))
        {
            failures.Add($"{section}:Tenant must be set.");
        }

        if (options.MaxDocumentChars < 100)
        {
            failures.Add($"{section}:MaxDocumentChars must be at least 100, but was {options.MaxDocumentChars}.");
        }

        if (options.LogProgressEvery <= TimeSpan.Zero)
        {
            failures.Add($"{section}:LogProgressEvery must be positive, but was {options.LogProgressEvery}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Where relative paths point.</summary>
internal static class BatchPaths
{
    /// <summary>
    /// A relative input folder is looked up in the current directory first, then next to the app, so both
    /// <c>dotnet run</c> in the project folder and the built app started from elsewhere find the bundled tickets.
    /// </summary>
    public static string ResolveInput(string folder)
    {
        if (Path.IsPathRooted(folder) || Directory.Exists(folder))
        {
            return Path.GetFullPath(folder);
        }

        string besideApp = Path.Combine(AppContext.BaseDirectory, folder);
        return Directory.Exists(besideApp) ? besideApp : Path.GetFullPath(folder);
    }
}
