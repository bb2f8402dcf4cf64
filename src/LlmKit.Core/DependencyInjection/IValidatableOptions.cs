namespace LlmKit.DependencyInjection;

/// <summary>
/// Options with rules DataAnnotations cannot state (one setting against another): <see cref="LlmKitOptionsValidator{TOptions}"/>
/// asks them after checking the annotations.
/// </summary>
internal interface IValidatableOptions
{
    /// <summary>Returns every problem, each naming its key under <paramref name="sectionPath"/>.</summary>
    IEnumerable<string> Validate(string sectionPath);
}
