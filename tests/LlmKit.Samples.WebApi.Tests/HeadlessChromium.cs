using Microsoft.Playwright;

namespace LlmKit.Samples.WebApi.Tests;

/// <summary>
/// Playwright driving the machine's own Chromium (Debian's package, or <c>CHROMIUM_PATH</c>) through
/// <c>ExecutablePath</c>: the node driver ships inside the Microsoft.Playwright package and its build copies it next to
/// the tests, so nothing is downloaded and no <c>playwright.ps1 install</c> step exists. Disposing closes the browser
/// and the driver, also when a test failed.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    /// <summary>The browser executable: CHROMIUM_PATH, else the Debian package's, else none.</summary>
    public static string? Executable =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : Candidates.FirstOrDefault(File.Exists);

    public IBrowser Browser { get; }

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        string executable = Executable ?? throw new InvalidOperationException("Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH).");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = executable,
                Headless = true,
                // As root (CI) Chromium needs --no-sandbox; /dev/shm is small in containers.
                Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
            });
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Opens a fresh page (its own context: no cookies or cache shared between tests) at <paramref name="address"/>.</summary>
    public async Task<IPage> OpenAsync(Uri address)
    {
        var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(address.ToString());
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}

/// <summary>Skips a browser test, with the reason, when Chromium is missing outside CI; under CI=true it runs and fails.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (HeadlessChromium.Executable is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Skip = "Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH); under CI=true this test fails instead.";
        }
    }
}
