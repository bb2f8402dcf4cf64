using Microsoft.Playwright;

namespace LlmKit.Samples.Evaluation.Tests;

/// <summary>The self-contained HTML report renders in a real browser, offline, with its plots.</summary>
public sealed class ReportBrowserTests(SampleRun sample) : IClassFixture<SampleRun>
{
    [BrowserFact]
    public async Task The_HTML_report_opens_in_headless_Chromium_with_every_plot()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFactAttribute.Executable ?? throw new InvalidOperationException("Chromium is not installed (apt-get install chromium)."),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith("file://", StringComparison.Ordinal))
            {
                problems.Add($"fetched {request.Url}");
            }
        };

        await page.GotoAsync(new Uri(sample.Outcome.HtmlReport).AbsoluteUri);

        Assert.Equal("Evaluation: worse prompt", await page.TitleAsync());
        Assert.True(await page.Locator("#pass-rate-by-tag rect.candidate").CountAsync() >= 5, "a bar for all cases and each tag");
        Assert.True(await page.Locator("#pass-rate-by-tag rect.baseline").CountAsync() >= 5, "the baseline's bars beside them");
        Assert.True(await page.Locator("#pass-rate-by-tag line.whisker").CountAsync() >= 10, "interval whiskers");
        Assert.Equal(2, await page.Locator("#baseline-vs-candidate circle").CountAsync());
        Assert.Equal(20, await page.Locator("#cost-distribution rect.bin").CountAsync());
        Assert.Equal(20, await page.Locator("#latency-distribution rect.bin").CountAsync());
        var box = await page.Locator("#pass-rate-by-tag").BoundingBoxAsync();
        Assert.True(box is { Width: > 300, Height: > 100 }, "the chart is laid out at a readable size");
        Assert.Contains("Failed", await page.Locator("#verdicts").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Empty(problems);
    }
}

/// <summary>A browser test: skipped where Chromium is missing, failed for it under CI=true.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    public BrowserFactAttribute()
    {
        if (Executable is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH); under CI=true this test fails instead.";
        }
    }

    public static string? Executable =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : Candidates.FirstOrDefault(File.Exists);
}
