using System.Globalization;
using System.Text.Json;
using LlmKit.Tools;
using Microsoft.Extensions.Options;

namespace ToolAgent;

/// <summary>
/// The policy for refunds when no person is at the console (stdin redirected: CI, a pipeline, a service). Bound from
/// <c>RefundApproval</c> and checked when the host starts.
/// </summary>
public sealed class RefundApprovalOptions
{
    public const string ConfigurationSection = "RefundApproval";

    /// <summary>Gets or sets the largest refund approved without a person. The default value is 50.</summary>
    public decimal AutoApproveUpTo { get; set; } = 50m;

    /// <summary>Gets or sets the amount above which a refund is denied outright; in between, it waits for a supervisor. The default value is 500.</summary>
    public decimal DenyAbove { get; set; } = 500m;
}

/// <summary>Where the desk talks to a person, and whether one is there.</summary>
/// <param name="Input">What the person types.</param>
/// <param name="Output">What the person reads.</param>
/// <param name="Interactive">Whether a person is at the console; when not, nothing ever waits for input.</param>
public sealed record DeskConsole(TextReader Input, TextWriter Output, bool Interactive);

/// <summary>
/// Decides on every call of a destructive tool before it runs. At a console it asks the person; otherwise it applies
/// <see cref="RefundApprovalOptions"/>: approve small refunds, deny large ones, and suspend the rest for a supervisor
/// (the loop then returns a continuation that resumes it later, in this process or another).
/// </summary>
public sealed class RefundApprovalHandler(DeskConsole console, IOptions<RefundApprovalOptions> options) : IToolApprovalHandler
{
    public async ValueTask<ToolApprovalDecision> DecideAsync(ToolApprovalRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        decimal? amount = AmountOf(request.Arguments);
        string what = $"{request.ToolName} {request.Arguments}";
        if (console.Interactive)
        {
            while (true)
            {
                console.Output.Write($"  ? Approve {what}? [y]es / [n]o / [l]ater: ");
                string? answer = (await console.Input.ReadLineAsync(cancellationToken))?.Trim().ToLowerInvariant();
                switch (answer)
                {
                    case "y" or "yes":
                        return ToolApprovalDecision.Approve;
                    case "n" or "no" or null: // end of input counts as no: never approve by default
                        return ToolApprovalDecision.Deny;
                    case "l" or "later":
                        return ToolApprovalDecision.Suspend;
                }
            }
        }

        var policy = options.Value;
        var (decision, why) = amount switch
        {
            null => (ToolApprovalDecision.Deny, "no amount could be read"),
            <= 0 => (ToolApprovalDecision.Deny, "the amount is not positive"),
            var a when a <= policy.AutoApproveUpTo => (ToolApprovalDecision.Approve, Invariant($"{a:0.00} is at most {policy.AutoApproveUpTo:0.00}")),
            var a when a > policy.DenyAbove => (ToolApprovalDecision.Deny, Invariant($"{a:0.00} is above {policy.DenyAbove:0.00}")),
            _ => (ToolApprovalDecision.Suspend, "between the limits: a supervisor decides"),
        };
        console.Output.WriteLine($"  ? Approval for {what}: {decision} by policy ({why})");
        return decision;
    }

    private static decimal? AmountOf(string argumentsJson)
    {
        using var json = JsonDocument.Parse(argumentsJson);
        return json.RootElement.TryGetProperty("amount", out var amount) && amount.ValueKind == JsonValueKind.Number ? amount.GetDecimal() : null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
