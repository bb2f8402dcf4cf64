using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LlmKit.Guardrails.Pii;

namespace LlmKit.Guardrails.Tests;

public sealed class PiiRedactionSessionTests
{
    [Fact]
    public void The_same_value_gets_the_same_placeholder_and_numbers_follow_first_appearance()
    {
        var session = new PiiRedactor().BeginSession();

        string first = session.Redact("From ann@example.com to bob@example.com, cc ann@example.com.");
        string second = session.Redact("Reply to bob@example.com; call +44 20 7946 0958.");

        Assert.Equal("From <EMAIL_1> to <EMAIL_2>, cc <EMAIL_1>.", first);
        Assert.Equal("Reply to <EMAIL_2>; call <PHONE_1>.", second);
        Assert.Equal("Mail ann@example.com or call +44 20 7946 0958", session.Restore("Mail <EMAIL_1> or call <PHONE_1>"));
    }

    [Fact]
    public void Redacting_a_growing_conversation_afresh_gives_the_same_placeholders()
    {
        var redactor = new PiiRedactor();
        string[] turns = ["I am ann@example.com.", "My card is 4111 1111 1111 1111.", "Also bob@example.com."];

        var once = redactor.BeginSession();
        var all = turns.Select(once.Redact).ToList();
        var again = redactor.BeginSession();
        var prefix = turns.Take(2).Select(again.Redact).ToList();

        Assert.Equal(all.Take(2), prefix);
    }

    [Fact]
    public void A_placeholder_the_model_invents_is_left_as_it_is_and_reported()
    {
        var session = new PiiRedactor().BeginSession();
        session.Redact("I am ann@example.com");

        string restored = session.Restore("Write to <EMAIL_1> and <EMAIL_7>; <NOT_AN_ENTITY_1> stays.");

        Assert.Equal("Write to ann@example.com and <EMAIL_7>; <NOT_AN_ENTITY_1> stays.", restored);
        Assert.Equal(["<EMAIL_7>"], session.CreateReport().UnknownPlaceholders);
    }

    [Fact]
    public void A_placeholder_already_in_the_input_is_never_issued_so_it_cannot_be_confused_with_a_value()
    {
        var session = new PiiRedactor().BeginSession();

        string redacted = session.Redact("The template says <EMAIL_1>; mine is ann@example.com.");

        Assert.Equal("The template says <EMAIL_1>; mine is <EMAIL_2>.", redacted);
        Assert.Equal("<EMAIL_1> vs ann@example.com", session.Restore("<EMAIL_1> vs <EMAIL_2>"));
        Assert.Empty(session.CreateReport().UnknownPlaceholders);
    }

    [Fact]
    public void Mask_and_hash_modes_are_not_restorable_and_hashes_are_stable_for_one_key()
    {
        var options = new PiiRedactionOptions { HashKey = "0123456789abcdef-test-key", EntityModes = { ["CREDIT_CARD"] = PiiRedactionMode.Mask, ["EMAIL"] = PiiRedactionMode.Hash } };
        var a = new PiiRedactor(options).BeginSession();
        var b = new PiiRedactor(options).BeginSession();

        string redacted = a.Redact("card 4111-1111-1111-1111, mail ann@example.com");

        Assert.StartsWith("card ****-****-****-****, mail [EMAIL:", redacted, StringComparison.Ordinal);
        Assert.Equal(redacted, b.Redact("card 4111-1111-1111-1111, mail ann@example.com"));
        Assert.NotEqual(redacted, new PiiRedactor(new PiiRedactionOptions { EntityModes = { ["EMAIL"] = PiiRedactionMode.Hash } }).Redact("card 4111-1111-1111-1111, mail ann@example.com"));
        Assert.Equal(0, a.PlaceholderCount);
    }

    [Fact]
    public void The_session_never_shows_its_values_in_text_or_JSON()
    {
        var session = new PiiRedactor().BeginSession();
        session.Redact("ann@example.com 4111 1111 1111 1111");

        Assert.DoesNotContain("ann@", session.ToString(), StringComparison.Ordinal);
        Assert.Equal("null", JsonSerializer.Serialize(session));
        Assert.Equal("null", JsonSerializer.Serialize<object>(session));
        string report = JsonSerializer.Serialize(session.CreateReport());
        Assert.DoesNotContain("ann@", report, StringComparison.Ordinal);
        Assert.DoesNotContain("4111", report, StringComparison.Ordinal);
    }

    [Fact]
    public void A_catastrophic_pattern_in_a_custom_detector_is_stopped_by_its_timeout_with_a_typed_error()
    {
        // The lookahead forces the backtracking engine; (a+)+ then explodes on a string of a's without a 'c'.
        var detector = new RegexPiiDetector(new PiiEntity("SLOW"), "(a+)+(?=c)", matchTimeout: TimeSpan.FromMilliseconds(50));
        var redactor = new PiiRedactor(new PiiRedactionOptions { CustomDetectors = { detector } });
        var clock = Stopwatch.StartNew();

        var ex = Assert.Throws<PiiDetectorTimeoutException>(() => redactor.Redact(new string('a', 5_000) + "!"));

        Assert.False(detector.IsLinearTime);
        Assert.Equal("slow", ex.Detector);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_nested_quantifier_pattern_without_lookarounds_runs_on_the_linear_engine()
    {
        var detector = new RegexPiiDetector(new PiiEntity("AS"), "(a+)+b");

        Assert.True(detector.IsLinearTime);
        Assert.Empty(new PiiRedactor(new PiiRedactionOptions { CustomDetectors = { detector } }).Find(new string('a', 200_000) + "!"));
    }

    [Fact]
    public void Megabyte_inputs_take_time_proportional_to_their_size()
    {
        // Adversarial text for every detector at once: '@' runs, digit runs, colons, dots, long tokens.
        string unit = "a@b@c@ 4111 1111 1111 1111 1111 ::1:2:3 1.2.3.4.5 www.www.www. x.com.com +1 (((((555 aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ= ";
        string small = Repeat(unit, 200_000);
        string large = Repeat(unit, 2_000_000);
        var redactor = new PiiRedactor();

        double smallSeconds = Best(() => redactor.Find(small));
        double largeSeconds = Best(() => redactor.Find(large));

        // Linear time gives a ratio near 10; quadratic would give near 100. The bound leaves room for a noisy machine.
        Assert.True(largeSeconds / smallSeconds < 30, $"200 KB: {smallSeconds:0.000}s, 2 MB: {largeSeconds:0.000}s");
    }

    private static string Repeat(string unit, int length)
    {
        var builder = new StringBuilder(length + unit.Length);
        while (builder.Length < length)
        {
            builder.Append(unit);
        }

        return builder.ToString(0, length);
    }

    private static double Best(Action action)
    {
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return best;
    }
}
