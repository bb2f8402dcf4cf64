using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace LlmKit.Samples.WebApi.Tests;

/// <summary><c>POST /answer</c> with an <c>Idempotency-Key</c> header: retries are safe.</summary>
[Collection(SampleServerCollection.Name)]
public sealed class IdempotencyKeyTests(SampleServerFixture fixture)
{
    private readonly SampleServer _server = fixture.Server;

    private Task<HttpResponseMessage> AnswerAsync(string message, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "answer") { Content = JsonContent.Create(new { message }) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return _server.Http.SendAsync(request);
    }

    [Fact]
    public async Task Concurrent_retries_with_one_key_run_the_agent_once_and_all_get_its_answer()
    {
        string key = Guid.NewGuid().ToString();
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => AnswerAsync("Where is order B-5150?", key)));
        var later = await AnswerAsync("Where is order B-5150?", key);

        Assert.All(responses.Append(later), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(responses, r => !r.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", Assert.Single(later.Headers.GetValues("Idempotent-Replayed")));
        var bodies = await Task.WhenAll(responses.Append(later).Select(r => r.Content.ReadAsStringAsync()));
        Assert.True(bodies.Distinct().Count() == 1, string.Join("\n", bodies.Distinct()));
        var answer = JsonDocument.Parse(bodies[0]).RootElement;
        Assert.Equal("FinalAnswer", answer.GetProperty("stopReason").GetString());
        Assert.Contains("B-5150", answer.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_key_reused_with_another_message_is_refused_with_422_and_a_malformed_key_with_400()
    {
        string key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.OK, (await AnswerAsync("Where is order B-5150?", key)).StatusCode);
        var reused = await AnswerAsync("Where is order A-1?", key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal("application/problem+json", reused.Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.BadRequest, (await AnswerAsync("Where is order B-5150?", new string('k', 256))).StatusCode);
        var without = await AnswerAsync("Where is order B-5150?", null);
        Assert.Equal(HttpStatusCode.OK, without.StatusCode);
        Assert.False(without.Headers.Contains("Idempotent-Replayed"));
    }
}
