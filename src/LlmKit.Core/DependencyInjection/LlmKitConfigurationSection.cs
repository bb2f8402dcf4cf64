namespace LlmKit.DependencyInjection;

/// <summary>A section under <c>LlmKit</c> that some registered capability reads (see <c>LlmKitConfiguration.RegisterSection</c>).</summary>
/// <param name="Name">The section's name under <c>LlmKit</c>.</param>
internal sealed record LlmKitConfigurationSection(string Name);
