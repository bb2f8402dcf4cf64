using StructuredExtraction;

namespace LlmKit.Samples.Console.Tests;

public sealed class StructuredExtractionSampleTests
{
    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        int code = await ExtractionDemo.RunAsync(["--offline", .. args], output);
        return (code, output.ToString());
    }

    private static string Section(string output, string title)
    {
        int start = output.IndexOf($"== {title} ==", StringComparison.Ordinal);
        Assert.True(start >= 0, $"No section '{title}' in:\n{output}");
        int end = output.IndexOf("\n== ", start + 1, StringComparison.Ordinal);
        return end < 0 ? output[start..] : output[start..end];
    }

    [Fact]
    public async Task The_first_invoice_answer_is_rejected_with_its_rule_errors_fed_back_and_the_second_is_the_valid_record()
    {
        var (code, output) = await RunAsync();

        Assert.Equal(0, code);
        string email = Section(output, "1-invoice-email.txt");
        // The errors of attempt 1 are what the model was sent back, at JSON pointers, from Invoice.Validate.
        Assert.Contains("attempt 1 rejected; LlmKit sent back:", email);
        Assert.Contains("- /lines: Line 1 ('Ergonomic chair \"Aria\", graphite'): 3 x 189.00 is 567.00, not 756.00.", email);
        Assert.Contains("- /total: The lines add up to 1540.00 but the total is 1463.00.", email);
        Assert.Contains("attempt 2 valid.", email);
        Assert.Contains("Invoice INV-2025-0147 from Brightline Supplies GmbH to Contoso Ltd, issued 2025-03-03, due 2025-04-02", email);
        Assert.Matches(@"4 x\s+189\.00 Goods", email);
        Assert.Matches(@"1 x\s+-77\.00 Discount", email);
        Assert.Contains("Total: 1463.00 EUR", email);
        Assert.Contains("Strategy: NativeJsonSchema, attempts: 2, tokens: ", email);
        Assert.Matches(@"cost: \$0\.000\d+, model: offline-demo", email);
        Assert.DoesNotContain("attempt 3", email);
    }

    [Fact]
    public async Task A_schema_violation_is_fed_back_and_corrected_too()
    {
        var (_, output) = await RunAsync();

        string chat = Section(output, "2-invoice-chat.txt");
        Assert.Contains("- /currency: Must be one of \"EUR\", \"USD\", \"GBP\", \"CHF\".", chat);
        Assert.Contains("Total: 530.00 GBP", chat);
        Assert.Contains("attempts: 2", chat);
    }

    [Fact]
    public async Task Text_that_holds_no_invoice_ends_as_a_typed_refusal_after_one_attempt()
    {
        var (code, output) = await RunAsync();

        Assert.Equal(0, code);
        string notes = Section(output, "3-meeting-notes.txt");
        Assert.Contains("Failure: Refused - The model refused: I can't extract an invoice from this text", notes);
        Assert.Contains("attempts: 1", notes);
        Assert.DoesNotContain("Invoice ", notes.Replace("invoice", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_a_single_attempt_allowed_the_rejected_answer_is_an_Invalid_failure_that_keeps_its_errors()
    {
        var (_, output) = await RunAsync("--LlmKit:StructuredOutput:MaxAttempts=1");

        string email = Section(output, "1-invoice-email.txt");
        Assert.Contains("Failure: Invalid - The answer was still invalid after 1 attempt(s).", email);
        Assert.Contains("/total: The lines add up to 1540.00 but the total is 1463.00.", email);
        Assert.DoesNotContain("sent back", email);
        Assert.DoesNotContain("Total: 1463.00 EUR", email);
    }

    [Fact]
    public async Task Streaming_shows_partial_objects_of_each_attempt_then_the_validated_result()
    {
        var (_, output) = await RunAsync();

        string streamed = Section(output, "streaming 2-invoice-chat.txt");
        // Half-written values show as they arrive; each attempt starts again from an empty object.
        Assert.Contains("partial (attempt 1): invoiceNumber=\"NW-", streamed);
        Assert.Contains("partial (attempt 1): invoiceNumber, vendor, customer, billingEmail, issueDate, dueDate, currency=\"£\"", streamed);
        Assert.Contains("partial (attempt 2): invoiceNumber=\"NW-", streamed);
        Assert.Contains("partial (attempt 2): invoiceNumber, vendor, customer, billingEmail, issueDate, dueDate, currency=\"GBP\"", streamed);
        Assert.Contains("lines[2], total=530.00", streamed);
        Assert.EndsWith("final: valid after 2 attempt(s), 2 lines, total 530.00 GBP", streamed.TrimEnd());
        Assert.True(streamed.IndexOf("partial (attempt 2)", StringComparison.Ordinal) > streamed.IndexOf("attempt 1 rejected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_file_path_argument_extracts_that_file_only_and_a_missing_file_is_a_usage_error()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "inputs", "1-invoice-email.txt");
        var (code, output) = await RunAsync(path);

        Assert.Equal(0, code);
        Assert.Contains("== 1-invoice-email.txt ==", output);
        Assert.DoesNotContain("== 3-meeting-notes.txt ==", output);

        var (missingCode, missing) = await RunAsync(Path.Combine(AppContext.BaseDirectory, "no-such-file.txt"));
        Assert.Equal(2, missingCode);
        Assert.Contains("No such file:", missing);
    }
}
