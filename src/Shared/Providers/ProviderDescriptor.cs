namespace LlmKit.Providers;

/// <summary>What distinguishes one provider package from the other in the code they share: names, where settings live, the public host.</summary>
/// <param name="Name">The provider name in telemetry and exceptions (<c>openai</c>, <c>anthropic</c>).</param>
/// <param name="ConfigurationSection">The root configuration section, for example <c>LlmKit:OpenAI</c>.</param>
/// <param name="HttpClientPrefix">The prefix of the named <see cref="HttpClient"/>s, for example <c>LlmKit.OpenAI.</c>.</param>
/// <param name="ApiKeyEnvironmentVariable">The environment variable read when no key is configured.</param>
/// <param name="PublicHost">The provider's own host, which requires a key.</param>
/// <param name="MaxRequestTimeout">The longest request timeout accepted.</param>
internal sealed record ProviderDescriptor(
    string Name, string ConfigurationSection, string HttpClientPrefix, string ApiKeyEnvironmentVariable, string PublicHost, TimeSpan MaxRequestTimeout)
{
    /// <summary>The name of the <see cref="HttpClient"/> of the registration <paramref name="name"/>.</summary>
    public string HttpClientName(string name) => HttpClientPrefix + name;
}
