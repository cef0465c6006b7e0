namespace FieldCamp.Domain.FieldWork;

/// <summary>
/// Amounts travel as JSON numbers with at most two decimals and are kept as whole cents, so totals never pick up
/// binary rounding.
/// </summary>
public static class Money
{
    /// <summary>The largest amount a price or total may reach: 99,999,999.99.</summary>
    public const long MaxCents = 9_999_999_999;

    /// <summary>Cents for <paramref name="amount"/>, or false when it has more than two decimals or is out of 0…<see cref="MaxCents"/>.</summary>
    public static bool TryToCents(decimal amount, out long cents)
    {
        cents = 0;
        var scaled = amount * 100m;
        // 12.50 and 12.500 are the same two-decimal amount; only a non-zero third decimal is refused.
        if (scaled != decimal.Truncate(scaled) || scaled < 0 || scaled > MaxCents) return false;
        cents = (long)scaled;
        return true;
    }

    public static decimal FromCents(long cents) => cents / 100m;

    public static string Describe() => $"Give an amount from 0 to {FromCents(MaxCents):0.00} with at most two decimals.";
}

/// <summary>One invoice line: what was done or sold, how many, and at what price each.</summary>
public sealed record InvoiceLine(string Description, decimal Quantity, long UnitPriceCents)
{
    /// <summary>Quantities go up to a million with at most three decimals (hours, metres, litres).</summary>
    public const decimal MaxQuantity = 1_000_000m;

    public static bool IsValidQuantity(decimal quantity) =>
        quantity > 0 && quantity <= MaxQuantity && quantity * 1000m == decimal.Truncate(quantity * 1000m);

    /// <summary>The line's amount in cents, a half cent rounded away from zero as on a paper invoice.</summary>
    public long AmountCents => (long)decimal.Round(Quantity * UnitPriceCents, MidpointRounding.AwayFromZero);

    /// <summary>
    /// A priced line whose amount rounds to 0.00 (0.001 × 1.00): billed, it would show a charge of nothing. Such a line
    /// is refused rather than stored at 0; a line at unit price 0 (a free item, a note on the invoice) stays allowed.
    /// </summary>
    public bool RoundsToNothing => UnitPriceCents > 0 && AmountCents == 0;
}

public static class InvoiceMath
{
    /// <summary>The sum of the lines' amounts, or null when it would pass <see cref="Money.MaxCents"/>.</summary>
    public static long? TotalCents(IEnumerable<InvoiceLine> lines)
    {
        long total = 0;
        foreach (var line in lines)
        {
            total += line.AmountCents;
            if (total > Money.MaxCents) return null;
        }
        return total;
    }
}
