using LlmKit.Guardrails.Pii;

namespace LlmKit.Guardrails.Tests;

public sealed class PiiStreamRestorerTests
{
    private const string Answer = "Hi <EMAIL_1>, your card <CREDIT_CARD_1> is linked; <EMAIL_9> is unknown and x < y stays.";
    private const string Expected = "Hi ann@example.com, your card 4111 1111 1111 1111 is linked; <EMAIL_9> is unknown and x < y stays.";

    private static PiiRedactionSession Session()
    {
        var session = new PiiRedactor().BeginSession();
        session.Redact("ann@example.com paid with 4111 1111 1111 1111");
        return session;
    }

    [Fact]
    public void Placeholders_split_at_every_possible_chunk_boundary_are_restored()
    {
        for (int cut = 0; cut <= Answer.Length; cut++)
        {
            var restorer = Session().CreateStreamRestorer();
            string output = restorer.Push(Answer[..cut]) + restorer.Push(Answer[cut..]) + restorer.Flush();
            Assert.Equal(Expected, output);
        }
    }

    [Fact]
    public void Placeholders_streamed_one_character_at_a_time_are_restored_and_nothing_is_held_longer_than_needed()
    {
        var restorer = Session().CreateStreamRestorer();
        var output = new System.Text.StringBuilder();
        foreach (char c in Answer)
        {
            string emitted = restorer.Push(c.ToString());
            output.Append(emitted);
        }

        Assert.Equal(string.Empty, restorer.Flush());
        Assert.Equal(Expected, output.ToString());
    }

    [Fact]
    public void Text_without_a_placeholder_flows_through_unchanged_and_a_dangling_fragment_is_flushed()
    {
        var restorer = Session().CreateStreamRestorer();

        Assert.Equal("plain text", restorer.Push("plain text"));
        Assert.Equal("ends with ", restorer.Push("ends with <EMA"));
        Assert.Equal("<EMA", restorer.Flush());
    }
}
