using System.Text;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using LlmKit.Benchmarks.Guardrails.Corpus;
using LlmKit.Guardrails.Injection;
using LlmKit.Guardrails.Pii;

namespace LlmKit.Benchmarks.Guardrails;

/// <summary>
/// Time to scan and redact 1 KB of text with the default detector set. "Prose" has no personal data (the common case
/// for most prompts); "Ticket" is corpus text, dense with values and near misses. The reference in the same run is one
/// compiled .NET regular expression for e-mail addresses alone, the floor of any regex-per-entity design.
/// </summary>
[MemoryDiagnoser]
public class PiiBenchmarks
{
    private static readonly Regex EmailRegex = new(@"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", RegexOptions.Compiled | RegexOptions.CultureInvariant);

    private readonly PiiRedactor _redactor = new();
    private readonly InjectionScreen _screen = new();
    private string _text = string.Empty;

    [Params("Prose", "Ticket")]
    public string Text { get; set; } = "Prose";

    [GlobalSetup]
    public void Setup()
    {
        var source = Text == "Prose" ? Prose : string.Join(' ', PiiCorpus.Generate(200).Select(t => t.Text));
        _text = source.Length >= 1024 ? source[..1024] : Repeat(source, 1024);
    }

    [Benchmark(Baseline = true, Description = "reference: one compiled e-mail regex")]
    public int EmailRegexOnly() => EmailRegex.Count(_text);

    [Benchmark(Description = "LlmKit: find, all 8 detectors")]
    public int Find() => _redactor.Find(_text).Count;

    [Benchmark(Description = "LlmKit: redact with placeholders")]
    public int Redact() => _redactor.BeginSession().Redact(_text).Length;

    [Benchmark(Description = "LlmKit: injection screening")]
    public int Screen() => _screen.Find(_text).Count;

    private static string Repeat(string unit, int length)
    {
        var builder = new StringBuilder(length + unit.Length);
        while (builder.Length < length)
        {
            builder.Append(unit).Append(' ');
        }

        return builder.ToString(0, length);
    }

    private const string Prose =
        "Thanks for getting back to me so quickly. I tried the steps in the guide, but the export still stops halfway " +
        "through and the progress bar freezes at about sixty percent. It happens with every project I open, even the " +
        "small ones, and it started after last week's update. Restarting the app did not help, and neither did signing " +
        "out and in again. Could you tell me whether this is a known problem, and if there is a workaround I can use " +
        "until it is fixed? We have a deadline at the end of the month, so anything that gets the exports working would " +
        "be a great help. I am happy to send logs or screenshots if that makes it easier for your team to reproduce it. " +
        "Also, is there a way to schedule exports overnight so they do not slow down the rest of the team during the day? " +
        "Finally, the documentation mentions a command-line option for batch exports, but I could not find it in the " +
        "settings. Many thanks again for your help, and have a good weekend. Best regards from the whole design team.";
}
