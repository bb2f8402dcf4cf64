using LlmKit.DependencyInjection;
using LlmKit.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Builder extensions live where AddLlmKit() does, so one using covers every capability.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds durable background jobs to LlmKit.</summary>
public static class JobsBuilderExtensions
{
    /// <summary>The configuration section of <see cref="JobWorkerOptions"/>: <c>LlmKit:Jobs</c>.</summary>
    public const string ConfigurationSection = "LlmKit:Jobs";

    /// <summary>Registers an <see cref="InMemoryJobQueue"/> as <see cref="IJobQueue"/> unless another queue is registered.</summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddJobQueue(this LlmKitBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<IJobQueue>(sp => new InMemoryJobQueue(sp.GetService<TimeProvider>()));
        return builder;
    }

    /// <summary>
    /// Adds the hosted <see cref="JobWorker"/> (and a job queue, see <see cref="AddJobQueue"/>), with settings bound
    /// from <c>LlmKit:Jobs</c> and validated when the host starts.
    /// </summary>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="configure">Adjusts the settings after they are bound.</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddJobWorker(this LlmKitBuilder builder, Action<JobWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddJobQueue();
        var options = builder.Services.AddOptions<JobWorkerOptions>();
        if (!builder.Services.Any(d => d.ServiceType == typeof(IValidateOptions<JobWorkerOptions>) && d.ImplementationType == typeof(JobWorkerOptionsValidator)))
        {
            options.BindLlmKitConfiguration(ConfigurationSection).ValidateOnStart();
            builder.Services.AddSingleton<IValidateOptions<JobWorkerOptions>, JobWorkerOptionsValidator>();
            builder.Services.AddHostedService<JobWorker>();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }

    /// <summary>Registers the handler for jobs of one kind, resolved in a scope per job.</summary>
    /// <typeparam name="THandler">The handler type.</typeparam>
    /// <param name="builder">The LlmKit builder.</param>
    /// <param name="kind">The kind it handles (<see cref="JobRequest.Kind"/>).</param>
    /// <returns>The builder.</returns>
    public static LlmKitBuilder AddJobHandler<THandler>(this LlmKitBuilder builder, string kind)
        where THandler : class, IJobHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        builder.Services.AddKeyedScoped<IJobHandler, THandler>(kind);
        return builder;
    }

    private sealed class JobWorkerOptionsValidator : IValidateOptions<JobWorkerOptions>
    {
        public ValidateOptionsResult Validate(string? name, JobWorkerOptions options)
        {
            var failures = options.Validate(ConfigurationSection).ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
