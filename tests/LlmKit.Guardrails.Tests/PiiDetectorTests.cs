using LlmKit.Guardrails.Pii;

namespace LlmKit.Guardrails.Tests;

/// <summary>Every built-in detector: values it must find, and near misses it must leave alone.</summary>
public sealed class PiiDetectorTests
{
    private static readonly PiiRedactor Redactor = new();

    private static List<(string Entity, string Value)> Find(string text) =>
        Redactor.Find(text).Select(m => (m.Entity.Name, text.Substring(m.Start, m.Length))).ToList();

    [Theory]
    [InlineData("Write to jane.doe+news@example.co.uk today.", "jane.doe+news@example.co.uk")]
    [InlineData("mail o'brien@mail.example.org", "o'brien@mail.example.org")]
    [InlineData("(contact: ops_team@sub-domain.example.com).", "ops_team@sub-domain.example.com")]
    public void Finds_email_addresses(string text, string expected) =>
        Assert.Contains(("EMAIL", expected), Find(text));

    [Theory]
    [InlineData("user@localhost")]
    [InlineData("a..b@example.com")]
    [InlineData("name@example.c0m")]
    [InlineData("@example.com alone")]
    [InlineData("see foo@-bad-.com")]
    public void Leaves_strings_that_only_look_like_email_addresses(string text) =>
        Assert.DoesNotContain(Find(text), f => f.Entity == "EMAIL");

    [Theory]
    [InlineData("Card 4111 1111 1111 1111 on file", "4111 1111 1111 1111")]
    [InlineData("pay with 5555555555554444.", "5555555555554444")]
    [InlineData("amex 3782-822463-10005", "3782-822463-10005")]
    [InlineData("card number 6011000990139424", "6011000990139424")]
    [InlineData("Mastercard 2-series 2223003122003222", "2223003122003222")]
    public void Finds_card_numbers_that_pass_the_Luhn_check(string text, string expected) =>
        Assert.Contains(("CREDIT_CARD", expected), Find(text));

    [Theory]
    [InlineData("Card 4111 1111 1111 1112 on file")] // Luhn fails
    [InlineData("card 5555555555554445")]             // Luhn fails
    [InlineData("card 0000 0000 0000 0000")]          // passes Luhn, one repeated digit
    [InlineData("order 4111-1111 1111-1111")]          // mixed separators
    [InlineData("SKU A4111111111111111")]               // glued to a word
    [InlineData("tracking 1234567812345670 shipped")]   // Luhn-valid, no scheme, no context word
    public void Leaves_near_miss_card_numbers(string text) =>
        Assert.DoesNotContain(Find(text), f => f.Entity == "CREDIT_CARD");

    [Fact]
    public void A_Luhn_valid_number_of_no_scheme_is_a_card_when_the_context_says_so() =>
        Assert.Contains(("CREDIT_CARD", "1234567812345670"), Find("my credit card is 1234567812345670"));

    [Theory]
    [InlineData("IBAN DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00")]
    [InlineData("to GB82WEST12345698765432.", "GB82WEST12345698765432")]
    [InlineData("FR1420041010050500013M02606", "FR1420041010050500013M02606")]
    [InlineData("NO9386011117947 ok", "NO9386011117947")]
    public void Finds_IBANs_with_a_valid_check_and_length(string text, string expected) =>
        Assert.Contains(("IBAN", expected), Find(text));

    [Theory]
    [InlineData("IBAN DE88 3704 0044 0532 0130 00")] // wrong check digits
    [InlineData("IBAN GB82WEST1234569876543")]       // one character short
    [InlineData("IBAN GB82WEST123456987654321")]     // too long
    [InlineData("IBAN ZZ82WEST12345698765432")]      // no such country
    public void Leaves_IBANs_with_a_wrong_check_digit_length_or_country(string text) =>
        Assert.DoesNotContain(Find(text), f => f.Entity == "IBAN");

    [Theory]
    [InlineData("SSN 536-90-4399 on file", "536-90-4399")]
    [InlineData("social security number 536 90 4399", "536 90 4399")]
    [InlineData("ssn: 536904399", "536904399")]
    public void Finds_US_social_security_numbers(string text, string expected) =>
        Assert.Contains(("US_SSN", expected), Find(text));

    [Theory]
    [InlineData("SSN 000-12-3456")]  // area 000
    [InlineData("SSN 666-12-3456")]  // area 666
    [InlineData("SSN 912-12-3456")]  // area 900–999
    [InlineData("SSN 536-00-4399")]  // group 00
    [InlineData("SSN 536-90-0000")]  // serial 0000
    [InlineData("SSN 078-05-1120")]  // the Woolworth wallet card
    [InlineData("SSN 123-45-6789")]  // the example number
    [InlineData("SSN 111-11-1111")]  // one repeated digit
    [InlineData("id 536904399")]     // nine plain digits with no context word
    public void Leaves_SSNs_in_ranges_that_are_never_issued(string text, string _ = "") =>
        Assert.DoesNotContain(Find(text), f => f.Entity == "US_SSN");

    [Theory]
    [InlineData("Call +44 20 7946 0958 now", "+44 20 7946 0958")]
    [InlineData("tel +1 (415) 555-2671", "+1 (415) 555-2671")]
    [InlineData("Reach me at (415) 555-2671.", "(415) 555-2671")]
    [InlineData("office 415-555-2671", "415-555-2671")]
    [InlineData("ring +49 30 901820", "+49 30 901820")]
    [InlineData("phone: 020 7946 0958", "020 7946 0958")]
    [InlineData("whatsapp 0033 1 42 68 53 00", "0033 1 42 68 53 00")]
    public void Finds_phone_numbers(string text, string expected) =>
        Assert.Contains(("PHONE", expected), Find(text));

    [Theory]
    [InlineData("Released 2024-01-15 at 10:30")]   // a date and a time
    [InlineData("build 4.11.2.1234")]              // a version
    [InlineData("+999 123 456 789")]               // no such country code
    [InlineData("+44 20 79")]                      // too short for the UK
    [InlineData("+1 (115) 555-2671")]              // NANP area codes never start with 1
    [InlineData("invoice 4155552671")]             // ten plain digits, no context word
    [InlineData("ratio 3/4/5")]
    public void Leaves_numbers_that_are_not_plausible_phone_numbers(string text) =>
        Assert.DoesNotContain(Find(text), f => f.Entity == "PHONE");

    [Theory]
    [InlineData("from 192.168.10.254 at noon", "192.168.10.254")]
    [InlineData("host 8.8.8.8.", "8.8.8.8")]
    [InlineData("v6 2001:db8:85a3::8a2e:370:7334 seen", "2001:db8:85a3::8a2e:370:7334")]
    [InlineData("addr fe80::1ff:fe23:4567:890a.", "fe80::1ff:fe23:4567:890a")]
    public void Finds_IP_addresses(string text, string expected) =>
        Assert.Contains(("IP_ADDRESS", expected), Find(text));

    [Theory]
    [InlineData("256.1.1.1 is not an address")]
    [InlineData("version 1.2.3.4.5")]
    [InlineData("octet 01.2.3.4")]
    [InlineData("std::vector<int> and Foo::Bar")]
    [InlineData("at 12:30:45 sharp")]
    public void Leaves_strings_that_are_not_IP_addresses(string text) =>
        Assert.DoesNotContain(Find(text), f => f.Entity == "IP_ADDRESS");

    [Theory]
    [InlineData("See https://example.com/a?b=1.", "https://example.com/a?b=1")]
    [InlineData("(docs at https://example.org/x_(y))", "https://example.org/x_(y)")]
    [InlineData("visit www.contoso.com/pricing today", "www.contoso.com/pricing")]
    [InlineData("my site is janedoe.dev, thanks", "janedoe.dev")]
    public void Finds_URLs_and_domains(string text, string expected) =>
        Assert.Contains(("URL", expected), Find(text));

    [Theory]
    [InlineData("run setup.py and read README.md")]
    [InlineData("built on ASP.NET and Node.js")]
    [InlineData("e.g. this, i.e. that")]
    [InlineData("javascript://not-a-scheme-we-know")]
    public void Leaves_file_names_and_dotted_words(string text) =>
        Assert.DoesNotContain(Find(text), f => f.Entity == "URL");

    [Theory]
    [InlineData("key sk-proj-Abc123Def456Ghi789Jkl012Mno345")]
    [InlineData("ANTHROPIC_API_KEY=sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE here")]
    [InlineData("token ghp_16C7e42F292c6912E7710c838347Ae178B4a")]
    [InlineData("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx")]
    [InlineData("AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")]
    [InlineData("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc")]
    public void Finds_provider_keys_and_tokens(string text)
    {
        var found = Find(text);
        Assert.Contains(found, f => f.Entity == "SECRET");
    }

    [Fact]
    public void Finds_a_PEM_private_key_whole()
    {
        string text = "cfg:\n-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----\nend";
        var (entity, value) = Assert.Single(Find(text));
        Assert.Equal("SECRET", entity);
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", value, StringComparison.Ordinal);
        Assert.EndsWith("-----END RSA PRIVATE KEY-----", value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("password: hT9$kQ2#vL8mX4pZ")] // too short for the entropy rule, no known format
    [InlineData("commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904 merged")] // a git hash: hex entropy, no context word
    [InlineData("the identifier CustomerOrderProcessingService2024 is long")]
    [InlineData("sk-short")]
    [InlineData("AKIA1234")]
    public void Leaves_ordinary_long_words_hashes_and_short_strings(string text) =>
        Assert.DoesNotContain(Find(text), f => f.Entity == "SECRET");

    [Fact]
    public void A_hex_token_is_a_secret_when_the_context_says_so() =>
        Assert.Contains(Find("api key: 4b825dc642cb6eb9a060e54bf8d69288fbee4904"), f => f.Entity == "SECRET");

    [Fact]
    public void Overlapping_matches_resolve_the_same_way_whatever_the_detector_order()
    {
        const string text = "see https://user@example.com/path?ip=10.0.0.1 and mail bob@example.com";
        var forward = new PiiScanner(PiiScanner.BuiltInDetectors()).Scan(text);
        var backward = new PiiScanner(PiiScanner.BuiltInDetectors().Reverse()).Scan(text);

        Assert.Equal(forward, backward);
        Assert.Equal(["URL", "EMAIL"], forward.Select(m => m.Entity.Name));
        Assert.True(forward.Zip(forward.Skip(1)).All(p => p.First.End <= p.Second.Start));
    }

    [Fact]
    public void A_custom_regex_detector_with_a_context_word_and_a_validator_finds_its_entity()
    {
        var employee = new PiiEntity("EMPLOYEE_ID");
        var redactor = new PiiRedactor(new PiiRedactionOptions
        {
            CustomDetectors = { new RegexPiiDetector(employee, @"\bEMP-\d{6}\b", confidence: 0.3, validate: v => v[^1] != '0') { ContextWords = ["employee"] } },
        });

        Assert.Equal(["EMPLOYEE_ID"], redactor.Find("employee EMP-123456").Select(m => m.Entity.Name));
        Assert.Empty(redactor.Find("EMP-123456 without the word"));            // 0.3 < 0.5 without context
        Assert.Empty(redactor.Find("employee EMP-123450"));                    // the validator says no
    }

    [Fact]
    public void Allow_listed_values_are_never_redacted()
    {
        var redactor = new PiiRedactor(new PiiRedactionOptions { AllowList = { "Support@Contoso.com" } });

        Assert.Equal("Write to support@contoso.com or <EMAIL_1>.", redactor.Redact("Write to support@contoso.com or jane@contoso.com."));
    }

    [Fact]
    public void An_entity_turned_off_is_not_detected()
    {
        var redactor = new PiiRedactor(new PiiRedactionOptions { EntityModes = { ["URL"] = PiiRedactionMode.Off } });

        Assert.Equal("see https://example.com, mail <EMAIL_1>", redactor.Redact("see https://example.com, mail a@b.io"));
    }
}
