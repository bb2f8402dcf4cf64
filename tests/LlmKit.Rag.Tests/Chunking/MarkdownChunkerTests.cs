using LlmKit.Rag.Chunking;

namespace LlmKit.Rag.Tests.Chunking;

public class MarkdownChunkerTests
{
    private const string Doc = """
        # Guide

        Intro text for the guide.

        ## Install

        Run the installer and follow the prompts carefully.

        ```bash
        apt-get update
        apt-get install -y llmkit tools and more tools
        echo done with a long line of words here
        ```

        ### Linux

        | os | package |
        | --- | --- |
        | debian | deb |

        ## Use

        Call the API.
        """;

    [Fact]
    public void Chunks_carry_their_heading_path_and_never_span_two_sections()
    {
        var chunks = new MarkdownChunker(new WordPieceCounter(), new ChunkerOptions { MaxTokens = 200 }).Chunk(Doc);

        Assert.Equal(Doc, string.Concat(chunks.Select(c => c.Text)));
        Assert.Collection(
            chunks,
            c => Assert.Equal(["Guide"], c.HeadingPath),
            c => Assert.Equal(["Guide", "Install"], c.HeadingPath),
            c => Assert.Equal(["Guide", "Install", "Linux"], c.HeadingPath),
            c => Assert.Equal(["Guide", "Use"], c.HeadingPath));
        Assert.StartsWith("## Use", chunks[3].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_code_block_or_table_is_never_split_even_when_over_the_limit()
    {
        var chunks = new MarkdownChunker(new WordPieceCounter(), new ChunkerOptions { MaxTokens = 6 }).Chunk(Doc);

        var code = Assert.Single(chunks, c => c.Text.Contains("```bash", StringComparison.Ordinal));
        Assert.Contains("echo done with a long line of words here\n```", code.Text, StringComparison.Ordinal);
        Assert.True(code.IsOversized);
        var table = Assert.Single(chunks, c => c.Text.Contains("| os |", StringComparison.Ordinal));
        Assert.Contains("| debian | deb |", table.Text, StringComparison.Ordinal);
        Assert.Equal(["Guide", "Install", "Linux"], table.HeadingPath);
        Assert.All(chunks.Where(c => !c.IsOversized), c => Assert.True(c.TokenCount <= 6, c.Text));
        Assert.Equal(Doc, string.Concat(chunks.Select(c => c.Text)));
    }
}

public class MarkdownHeadingOnlyTests
{
    [Fact]
    public void A_heading_with_no_content_of_its_own_joins_its_first_subsection_instead_of_standing_alone()
    {
        const string doc = "# Errors\n\n## One exception type\n\nProviders translate every failure.\n\n## Refusals\n\nA refusal is content.\n";

        var chunks = new MarkdownChunker(new WordPieceCounter(), new ChunkerOptions { MaxTokens = 200 }).Chunk(doc);

        Assert.Equal(doc, string.Concat(chunks.Select(c => c.Text)));
        Assert.Collection(
            chunks,
            c =>
            {
                Assert.Equal("# Errors\n\n## One exception type\n\nProviders translate every failure.\n\n", c.Text);
                Assert.Equal(["Errors", "One exception type"], c.HeadingPath);
            },
            c =>
            {
                Assert.Equal("## Refusals\n\nA refusal is content.\n", c.Text);
                Assert.Equal(["Errors", "Refusals"], c.HeadingPath);
            });
    }

    [Fact]
    public void A_heading_directly_before_a_block_too_large_to_share_opens_that_blocks_chunk()
    {
        const string doc = "## Data\n\n| a | b |\n| --- | --- |\n| one two three | four five six |\n";

        var chunks = new MarkdownChunker(new WordPieceCounter(), new ChunkerOptions { MaxTokens = 4 }).Chunk(doc);

        var table = Assert.Single(chunks);
        Assert.Equal(doc, table.Text);
        Assert.True(table.IsOversized);
        Assert.Equal(["Data"], table.HeadingPath);
    }
}
