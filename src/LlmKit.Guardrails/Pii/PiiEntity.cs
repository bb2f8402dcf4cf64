namespace LlmKit.Guardrails.Pii;

/// <summary>
/// A kind of personal or secret data, such as <see cref="Email"/>. Its <see cref="Name"/> is also the label of its
/// placeholders (<c>&lt;EMAIL_1&gt;</c>) and the key of its redaction mode in configuration. Define your own with
/// <c>new PiiEntity("EMPLOYEE_ID")</c> for a custom detector.
/// </summary>
public readonly record struct PiiEntity
{
    /// <summary>Initializes a new instance of the <see cref="PiiEntity"/> struct.</summary>
    /// <param name="name">Upper-case letters, digits and underscores, starting with a letter, at most 32 characters.</param>
    /// <exception cref="ArgumentException">The name does not have that form.</exception>
    public PiiEntity(string name)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid entity name: use upper-case letters, digits and underscores, starting with a letter, at most {PiiRedactionConstants.MaxEntityNameLength} characters (for example EMPLOYEE_ID).",
                nameof(name));
        }

        Name = name;
    }

    /// <summary>Gets the name, for example <c>EMAIL</c>.</summary>
    public string Name { get; }

    /// <summary>E-mail addresses.</summary>
    public static PiiEntity Email { get; } = new("EMAIL");

    /// <summary>Phone numbers, international (<c>+44 20 7946 0958</c>) and North American formats.</summary>
    public static PiiEntity Phone { get; } = new("PHONE");

    /// <summary>Payment card numbers that pass the Luhn check.</summary>
    public static PiiEntity CreditCard { get; } = new("CREDIT_CARD");

    /// <summary>International bank account numbers with a valid mod-97 check and their country's length.</summary>
    public static PiiEntity Iban { get; } = new("IBAN");

    /// <summary>US social security numbers outside the ranges that are never issued.</summary>
    public static PiiEntity UsSsn { get; } = new("US_SSN");

    /// <summary>IPv4 and IPv6 addresses.</summary>
    public static PiiEntity IpAddress { get; } = new("IP_ADDRESS");

    /// <summary>URLs and bare domain names.</summary>
    public static PiiEntity Url { get; } = new("URL");

    /// <summary>API keys, access tokens, private keys and other high-entropy secrets.</summary>
    public static PiiEntity Secret { get; } = new("SECRET");

    /// <summary>Gets the entities LlmKit's built-in detectors find.</summary>
    public static IReadOnlyList<PiiEntity> BuiltIn { get; } = [Email, Phone, CreditCard, Iban, UsSsn, IpAddress, Url, Secret];

    /// <summary>Returns whether a string is a valid entity name.</summary>
    /// <param name="name">The candidate.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > PiiRedactionConstants.MaxEntityNameLength || name[0] is < 'A' or > 'Z')
        {
            return false;
        }

        foreach (char c in name)
        {
            if (c is not ((>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Name ?? string.Empty;
}
