namespace LlmKit.DependencyInjection;

/// <summary>
/// Options with rules DataAnnotations cannot state (one setting against another): <see cref="LlmKitOptionsValidator{TOptions}"/>
/// asks them after checking the annotations, for every stage's options, whichever package the stage comes from.
/// </summary>
/// <remarks>
/// Implement it explicitly on an options class registered through <c>StageOptions.Register</c> so that the host
/// refuses to start with every problem listed at once, each under its full configuration path.
/// </remarks>
public interface IValidatableOptions
{
    /// <summary>Returns every problem, each naming its key under <paramref name="sectionPath"/>.</summary>
    /// <param name="sectionPath">The configuration path of these options, for instance <c>LlmKit:Clients:main:Resilience</c>.</param>
    /// <returns>The problems; empty when the options are valid.</returns>
    IEnumerable<string> Validate(string sectionPath);
}
