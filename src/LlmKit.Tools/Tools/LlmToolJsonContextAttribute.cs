namespace LlmKit.Tools;

/// <summary>
/// Names the source-generated <c>JsonSerializerContext</c> the generated tools of a class use for complex arguments
/// and results, so that binding them needs no reflection (trimming, Native AOT). Without it they use
/// <see cref="LlmToolBinding.DefaultSerializerOptions"/>.
/// </summary>
/// <remarks>
/// The context must list every complex parameter and return type (<c>[JsonSerializable(typeof(Order))]</c>) and should
/// use camelCase property names and string enums, the shape the generated schema describes. Primitive, enum and string
/// parameters never touch the serializer.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LlmToolJsonContextAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="LlmToolJsonContextAttribute"/> class.</summary>
    /// <param name="contextType">A <c>JsonSerializerContext</c> type with a static <c>Default</c> instance.</param>
    public LlmToolJsonContextAttribute(Type contextType)
    {
        ContextType = contextType;
    }

    /// <summary>Gets the context type.</summary>
    public Type ContextType { get; }
}
