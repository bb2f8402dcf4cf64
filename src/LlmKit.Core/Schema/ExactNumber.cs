using System.Numerics;
using System.Text.Json;

namespace LlmKit.Schema;

/// <summary>
/// A JSON number held exactly, as <c>Mantissa × 10^Exponent</c> with the mantissa stripped of trailing zeros, so that
/// <c>1e-300</c> is neither an integer nor zero and <c>0.1</c> is a multiple of <c>0.01</c>. <see cref="decimal"/>
/// rounds numbers past 28 digits or below 1e-28 (<c>JsonElement.TryGetDecimal</c> returns 0 for 1e-300) and
/// <see cref="double"/> cannot hold 0.1, so neither can decide integer, bound or multipleOf checks on its own.
/// </summary>
internal readonly struct ExactNumber : IComparable<ExactNumber>
{
    // Exponents past this are saturated: a number like 1e99999999999999999999 has no useful exact value, and the
    // saturation keeps every comparison and multipleOf check bounded in time and memory.
    private const long ExponentLimit = 1L << 40;

    private ExactNumber(BigInteger mantissa, long exponent, int digits)
    {
        Mantissa = mantissa;
        Exponent = exponent;
        Digits = digits;
    }

    /// <summary>Gets the signed mantissa, without trailing zeros (zero for 0).</summary>
    public BigInteger Mantissa { get; }

    /// <summary>Gets the power of ten the mantissa is scaled by.</summary>
    public long Exponent { get; }

    /// <summary>Gets the number of decimal digits of the mantissa (1 for 0).</summary>
    public int Digits { get; }

    /// <summary>Gets a value indicating whether the number is a whole number (1.0 and 1e2 are; 1e-300 is not).</summary>
    public bool IsInteger => Mantissa.IsZero || Exponent >= 0;

    /// <summary>Gets the sign: -1, 0 or 1.</summary>
    public int Sign => Mantissa.Sign;

    public static ExactNumber From(JsonElement number) => Parse(number.GetRawText());

    /// <summary>
    /// The fast path: a number of at most 27 characters without an exponent has at most 27 significant digits, which a
    /// <see cref="decimal"/> holds exactly. Anything else (1e-300, 30-digit integers) goes through <see cref="ExactNumber"/>.
    /// </summary>
    public static bool TryGetSmallDecimal(JsonElement number, out decimal value)
    {
        var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(number);
        if (raw.Length <= 27 && raw.IndexOfAny((byte)'e', (byte)'E') < 0)
        {
            return number.TryGetDecimal(out value);
        }

        value = 0;
        return false;
    }

    /// <summary>Parses JSON number text (<c>-?digits(.digits)?([eE][+-]?digits)?</c>).</summary>
    public static ExactNumber Parse(ReadOnlySpan<char> text)
    {
        bool negative = text.Length > 0 && text[0] == '-';
        int i = negative ? 1 : 0;
        Span<char> digits = text.Length <= 512 ? stackalloc char[text.Length] : new char[text.Length];
        int count = 0;
        long exponent = 0;
        bool fraction = false;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '.')
            {
                fraction = true;
            }
            else if (c is 'e' or 'E')
            {
                exponent = Saturate(exponent + ParseExponent(text[(i + 1)..]));
                break;
            }
            else
            {
                digits[count++] = c;
                if (fraction)
                {
                    exponent--;
                }
            }
        }

        var span = digits[..count].TrimStart('0');
        int trailing = span.Length - span.TrimEnd('0').Length;
        span = span[..(span.Length - trailing)];
        if (span.IsEmpty)
        {
            return new ExactNumber(BigInteger.Zero, 0, 1);
        }

        var mantissa = BigInteger.Parse(span, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
        return new ExactNumber(negative ? -mantissa : mantissa, Saturate(exponent + trailing), span.Length);
    }

    /// <inheritdoc/>
    public int CompareTo(ExactNumber other)
    {
        if (Sign != other.Sign)
        {
            return Sign.CompareTo(other.Sign);
        }

        if (Sign == 0)
        {
            return 0;
        }

        int magnitude = CompareMagnitude(this, other);
        return Sign > 0 ? magnitude : -magnitude;
    }

    /// <summary>Returns whether this number is an integer multiple of <paramref name="step"/> (which must be positive).</summary>
    public bool IsMultipleOf(ExactNumber step)
    {
        if (Mantissa.IsZero)
        {
            return true;
        }

        // Both mantissas have no trailing zeros, so a number with a finer last digit than the step cannot be a multiple.
        if (Exponent < step.Exponent)
        {
            return false;
        }

        var divisor = BigInteger.Abs(step.Mantissa);
        var scale = BigInteger.ModPow(10, Exponent - step.Exponent, divisor);
        return BigInteger.Abs(Mantissa) % divisor * scale % divisor == 0;
    }

    private static int CompareMagnitude(ExactNumber left, ExactNumber right)
    {
        // The position of the leading digit decides first; only numbers of the same order of magnitude compare digits.
        long leftOrder = left.Exponent + left.Digits;
        long rightOrder = right.Exponent + right.Digits;
        if (leftOrder != rightOrder)
        {
            return leftOrder.CompareTo(rightOrder);
        }

        var a = BigInteger.Abs(left.Mantissa);
        var b = BigInteger.Abs(right.Mantissa);
        if (left.Digits < right.Digits)
        {
            a *= BigInteger.Pow(10, right.Digits - left.Digits);
        }
        else if (right.Digits < left.Digits)
        {
            b *= BigInteger.Pow(10, left.Digits - right.Digits);
        }

        return a.CompareTo(b);
    }

    private static long ParseExponent(ReadOnlySpan<char> text)
    {
        bool negative = text.Length > 0 && text[0] == '-';
        int start = text.Length > 0 && text[0] is '-' or '+' ? 1 : 0;
        long value = 0;
        for (int i = start; i < text.Length && value < ExponentLimit; i++)
        {
            value = (value * 10) + (text[i] - '0');
        }

        return negative ? -value : value;
    }

    private static long Saturate(long exponent) => Math.Clamp(exponent, -ExponentLimit, ExponentLimit);
}
