using System.Diagnostics;
using LlmKit.Pipeline;
using Microsoft.Extensions.AI;

namespace LlmKit.Telemetry;

/// <summary>
/// The root span of each logical call: one per <c>GetResponseAsync</c>, <c>GetObjectAsync</c> (with its re-asks) or
/// tool loop (with its turns). The telemetry stage inside the pipeline adds a child span per upstream call, so retries,
/// fallbacks, turns and re-asks show as siblings under one root and tokens are recorded once, on the children.
/// </summary>
internal sealed class CallTelemetry(LlmKitInstrumentation instrumentation, string clientName)
{
    public void Start(LlmKitCall call, ChatOptions options, string kind)
    {
        if (!instrumentation.ActivitySource.HasListeners())
        {
            return;
        }

        var activity = instrumentation.ActivitySource.StartActivity($"{kind} {clientName}", ActivityKind.Internal);
        if (activity is null)
        {
            return;
        }

        call.RootActivity = activity;
        if (!activity.IsAllDataRequested)
        {
            return;
        }

        activity.SetTag(GenAiConventions.CallId, call.Id);
        activity.SetTag(GenAiConventions.CallKind, kind);
        activity.SetTag(GenAiConventions.ClientName, clientName);
        activity.SetTag(GenAiConventions.RequestModel, options.ModelId);
        if (call.Tags.Tenant is { } tenant)
        {
            activity.SetTag(GenAiConventions.Tenant, tenant);
        }

        if (call.Tags.Feature is { } feature)
        {
            activity.SetTag(GenAiConventions.Feature, feature);
        }

        if (call.Tags.RequestId is { } requestId)
        {
            activity.SetTag(GenAiConventions.RequestId, requestId);
        }
    }

    public void End(LlmKitCall call, Exception? failure, string? outcome, string? responseModel = null)
    {
        if (call.RootActivity is not { } activity)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(GenAiConventions.UpstreamCalls, call.UpstreamCalls);
            if (responseModel is not null)
            {
                activity.SetTag(GenAiConventions.ResponseModel, responseModel);
            }

            if (outcome is not null)
            {
                activity.SetTag(GenAiConventions.Outcome, outcome);
            }

            if (failure is not null)
            {
                activity.SetTag(GenAiConventions.ErrorType, ErrorTypes.Of(failure));
                activity.SetStatus(ActivityStatusCode.Error, failure.Message);
            }
        }

        activity.Dispose();
    }
}
