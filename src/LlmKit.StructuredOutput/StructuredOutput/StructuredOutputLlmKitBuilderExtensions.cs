using LlmKit.DependencyInjection;
using LlmKit.StructuredOutput;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers app-wide <see cref="StructuredOutputOptions"/> defaults.</summary>
public static class StructuredOutputLlmKitBuilderExtensions
{
    /// <summary>The configuration section the defaults bind from: <c>LlmKit:StructuredOutput</c>.</summary>
    public const string ConfigurationSection = LlmKitBuilder.ConfigurationSection + ":StructuredOutput";

    /// <summary>
    /// Registers <see cref="StructuredOutputOptions"/> (bound from <c>LlmKit:StructuredOutput</c>, then
    /// <paramref name="configure"/>), validated when the host starts, as the defaults of <c>GetObjectAsync</c> and
    /// <c>StreamObjectAsync</c> on every client: the pipeline head answers <c>GetService(typeof(StructuredOutputOptions))</c>
    /// with them. A call that passes no options gets these; a call that passes its own uses those instead (start from
    /// <c>IOptions&lt;StructuredOutputOptions&gt;</c> to adjust the defaults per call). No stage is added: structured
    /// output asks through the pipeline like any caller.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the options after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddStructuredOutput(this LlmKitBuilder builder, Action<StructuredOutputOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<StructuredOutputOptions>()
            .BindLlmKitConfiguration(ConfigurationSection);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Registry.AddHeadService(typeof(StructuredOutputOptions), sp => sp.GetRequiredService<IOptions<StructuredOutputOptions>>().Value);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StructuredOutputOptions>, StructuredOutputOptionsValidator>());
        return builder;
    }

    private sealed class StructuredOutputOptionsValidator : IValidateOptions<StructuredOutputOptions>
    {
        public ValidateOptionsResult Validate(string? name, StructuredOutputOptions options)
        {
            try
            {
                options.Validate();
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException ex)
            {
                return ValidateOptionsResult.Fail($"{ConfigurationSection}: {ex.Message}");
            }
        }
    }
}
