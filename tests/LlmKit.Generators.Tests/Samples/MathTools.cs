using System.ComponentModel;
using LlmKit.Tools;

namespace LlmKit.Generators.Tests.Samples;

public enum Rounding
{
    Down,
    Nearest,
    Up,
}

public sealed record Point(double X, double Y)
{
    [Description("An optional label.")]
    public string? Label { get; init; }
}

/// <summary>Static tools with every kind of parameter the binder handles without the serializer, and some that need it.</summary>
public partial class MathTools
{
    /// <summary>Adds two integers.</summary>
    /// <param name="a">The first addend.</param>
    /// <param name="b">The second addend.</param>
    [LlmTool]
    public static int Add(int a, int b) => a + b;

    [LlmTool("round_value", Description = "Rounds a number.")]
    public static ValueTask<long> RoundAsync(double value, Rounding mode = Rounding.Nearest, int? digits = null) =>
        ValueTask.FromResult((long)(mode switch
        {
            Rounding.Down => Math.Floor(value),
            Rounding.Up => Math.Ceiling(value),
            _ => Math.Round(value, digits ?? 0),
        }));

    /// <summary>Returns the centroid of some points.</summary>
    /// <param name="points">The points.</param>
    [LlmTool]
    public static Point Centroid(Point[] points) =>
        new(points.Average(p => p.X), points.Average(p => p.Y)) { Label = "centroid" };

    /// <summary>Does nothing, slowly.</summary>
    [LlmTool]
    public static Task NoOpAsync(bool flag, Guid id, DateTimeOffset when) => Task.CompletedTask;
}
