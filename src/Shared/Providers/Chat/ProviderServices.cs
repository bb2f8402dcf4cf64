namespace LlmKit.Providers;

/// <summary>
/// The <c>GetService</c> both provider clients answer: their metadata and capabilities (asked for by exact type, as
/// Microsoft.Extensions.AI's clients do), and themselves.
/// </summary>
internal static class ProviderServices
{
    public static object? Get(object client, Type serviceType, object? serviceKey, params object[] services)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        foreach (object service in services)
        {
            if (service.GetType() == serviceType)
            {
                return service;
            }
        }

        return serviceType.IsInstanceOfType(client) ? client : null;
    }
}
