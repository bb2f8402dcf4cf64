using System.Runtime.CompilerServices;
using LlmKit.DependencyInjection;
using LlmKit.Telemetry;
using LlmKit.Usage;
using Microsoft.Extensions.AI;

namespace LlmKit.Pipeline;

/// <summary>
/// The outermost wrapper of every LlmKit pipeline. It resolves the client's defaults into the call's options once,
/// begins the logical call (<see cref="LlmKitCall"/>) unless the options already carry one, opens its root span, and
/// answers <c>GetService</c> for the pipeline's description, the client's defaults and metadata, and services
/// capabilities registered for the whole pipeline.
/// </summary>
internal sealed class ChatPipelineHead : DelegatingChatClient
{
    private const string ChatKind = "chat";

    private readonly ChatPipelineDescription _description;
    private readonly LlmKitClientOptions _defaults;
    private readonly CallTelemetry? _telemetry;
    private readonly TimeProvider _timeProvider;
    private readonly IReadOnlyDictionary<Type, object> _services;
    private readonly ChatClientMetadata? _metadata;

    public ChatPipelineHead(
        IChatClient innerClient,
        ChatPipelineDescription description,
        LlmKitClientOptions defaults,
        CallTelemetry? telemetry,
        TimeProvider timeProvider,
        IReadOnlyDictionary<Type, object> services)
        : base(innerClient)
    {
        _description = description;
        _defaults = defaults;
        _telemetry = telemetry;
        _timeProvider = timeProvider;
        _services = services;
        var provider = innerClient.GetService<ChatClientMetadata>();
        _metadata = provider is null && defaults.Model is null
            ? null
            : new ChatClientMetadata(provider?.ProviderName, provider?.ProviderUri, defaults.Model ?? provider?.DefaultModelId);
    }

    public string ClientName => _description.ClientName;

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (effective, call) = Enter(options);
        if (call is null)
        {
            return await base.GetResponseAsync(messages, effective, cancellationToken);
        }

        _telemetry?.Start(call, effective, ChatKind);
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, effective, cancellationToken);
        }
        catch (Exception ex)
        {
            _telemetry?.End(call, ex, outcome: null);
            throw;
        }

        _telemetry?.End(call, null, outcome: null, response.ModelId);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (effective, call) = Enter(options);
        if (call is null)
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, effective, cancellationToken))
            {
                yield return update;
            }

            yield break;
        }

        _telemetry?.Start(call, effective, ChatKind);
        Exception? failure = null;
        bool completed = false;
        string? servedModel = null;
        var enumerator = base.GetStreamingResponseAsync(messages, effective, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception ex)
                {
                    failure = ex;
                    throw;
                }

                servedModel = enumerator.Current.ModelId ?? servedModel;
                yield return enumerator.Current;
            }

            completed = true;
        }
        finally
        {
            await enumerator.DisposeAsync();
            _telemetry?.End(call, failure, completed || failure is not null ? null : "abandoned", servedModel);
        }
    }

    /// <summary>Begins a logical call that stays open until the returned scope is disposed.</summary>
    public LlmKitCallScope BeginCall(ChatOptions? options, string kind)
    {
        var effective = options?.Clone() ?? new ChatOptions();
        ClientDefaults.Apply(effective, _defaults);
        var call = new LlmKitCall(ClientName, CallerTags.Resolve(options), _timeProvider.GetUtcNow());
        _telemetry?.Start(call, effective, kind);
        return new LlmKitCallScope(call, _telemetry, owned: true);
    }

    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is null)
        {
            if (serviceType == typeof(ChatPipelineDescription))
            {
                return _description;
            }

            if (serviceType == typeof(LlmKitClientOptions))
            {
                return _defaults;
            }

            if (serviceType == typeof(ChatClientMetadata) && _metadata is not null)
            {
                return _metadata;
            }

            if (_services.TryGetValue(serviceType, out var service))
            {
                return service;
            }
        }

        return base.GetService(serviceType, serviceKey);
    }

    /// <summary>
    /// The pipeline's own copy of the options with the client's defaults filled in, and the logical call this entry
    /// begins (<see langword="null"/> when the options already carry one, which this entry then joins).
    /// </summary>
    private (ChatOptions Options, LlmKitCall? Call) Enter(ChatOptions? options)
    {
        var effective = options?.Clone() ?? new ChatOptions();
        ClientDefaults.Apply(effective, _defaults);
        if (LlmKitCall.Of(effective) is not null)
        {
            return (effective, null);
        }

        var call = new LlmKitCall(ClientName, CallerTags.Resolve(options), _timeProvider.GetUtcNow());
        LlmKitCallProperties.Call.SetValue(effective, call);
        return (effective, call);
    }
}
