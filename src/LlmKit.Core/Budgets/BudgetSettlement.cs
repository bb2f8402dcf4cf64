namespace LlmKit.Budgets;

/// <summary>One settle (or release, with zero tokens and cost) of a reservation, as a shared budget store writes it.</summary>
/// <param name="Reservation">The reservation being settled.</param>
/// <param name="Tokens">The tokens the call used.</param>
/// <param name="Cost">The cost the call incurred.</param>
/// <param name="At">When the call ended.</param>
public sealed record BudgetSettlement(BudgetReservation Reservation, long Tokens, decimal Cost, DateTimeOffset At);
