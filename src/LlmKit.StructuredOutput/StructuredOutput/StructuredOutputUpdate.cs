using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace LlmKit.StructuredOutput;

/// <summary>
/// One step of <c>StreamObjectAsync</c>: a progressively more complete partial object while the model writes, and
/// finally the validated <see cref="Result"/>.
/// </summary>
/// <typeparam name="T">The requested type.</typeparam>
/// <remarks>
/// <see cref="PartialJson"/> and <see cref="Partial"/> are built the first time they are read, from the text received up
/// to this update, and cost time proportional to its length; an update that is never read costs nothing. A UI that
/// renders every update of a very long answer pays for each render; one that skips to the newest update when it falls
/// behind pays only for what it shows.
/// </remarks>
public sealed class StructuredOutputUpdate<T>
{
    // Built on first read, under a lock on the snapshot (which nothing else can see): an update may be read from any thread.
    private readonly PartialJsonSnapshot? _snapshot;
    private readonly JsonTypeInfo<T>? _typeInfo;
    private JsonNode? _partialJson;
    private bool _partialJsonBuilt;
    private T? _partial;
    private bool _partialBuilt;

    internal StructuredOutputUpdate(int attempt, PartialJsonSnapshot snapshot, JsonTypeInfo<T> typeInfo)
    {
        Attempt = attempt;
        _snapshot = snapshot;
        _typeInfo = typeInfo;
    }

    internal StructuredOutputUpdate(int attempt, StructuredResult<T> result)
    {
        Attempt = attempt;
        Result = result;
        _partial = result.IsSuccess ? result.Value : default;
        _partialBuilt = true;
    }

    /// <summary>Gets the attempt this update belongs to (1-based); a retry starts again from an empty object.</summary>
    public int Attempt { get; }

    /// <summary>
    /// Gets the JSON received so far, closed where it was cut (unwrapped for non-object types); not validated;
    /// <see langword="null"/> on the final update.
    /// </summary>
    public JsonNode? PartialJson
    {
        get
        {
            if (_snapshot is null)
            {
                return null;
            }

            lock (_snapshot)
            {
                if (!_partialJsonBuilt)
                {
                    _partialJson = _snapshot.ToNode();
                    _partialJsonBuilt = true;
                }

                return _partialJson;
            }
        }
    }

    /// <summary>
    /// Gets the JSON received so far as a <typeparamref name="T"/> (members not yet written keep their defaults), or
    /// <see langword="default"/> when it cannot be read as one yet. Not validated: show it, do not act on it. On the final
    /// update, the validated value (or <see langword="default"/> on failure).
    /// </summary>
    public T? Partial
    {
        get
        {
            if (_snapshot is null)
            {
                return _partial;
            }

            lock (_snapshot)
            {
                if (!_partialBuilt)
                {
                    _partial = _snapshot.ToValue(_typeInfo!);
                    _partialBuilt = true;
                }

                return _partial;
            }
        }
    }

    /// <summary>Gets a value indicating whether this is the last update, which carries <see cref="Result"/>.</summary>
    public bool IsFinal => Result is not null;

    /// <summary>Gets the final, validated result; only on the last update.</summary>
    public StructuredResult<T>? Result { get; }
}
