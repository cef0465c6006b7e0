using FieldCamp.Domain.FieldWork;

namespace FieldCamp.Tests.Unit.Domain;

public class FieldWorkRulesTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("12.5", 1250L)]
    [InlineData("12.50", 1250L)]
    [InlineData("12.500", 1250L)]
    [InlineData("0.01", 1L)]
    [InlineData("99999999.99", 9_999_999_999L)]
    public void Money_AtMostTwoDecimalsInRange_BecomesCents(string amount, long cents)
    {
        Assert.True(Money.TryToCents(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), out var actual));
        Assert.Equal(cents, actual);
    }

    [Theory]
    [InlineData("12.345")]
    [InlineData("0.001")]
    [InlineData("-0.01")]
    [InlineData("100000000")]
    public void Money_ThirdDecimalNegativeOrTooLarge_Refused(string amount) =>
        Assert.False(Money.TryToCents(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), out _));

    [Fact]
    public void InvoiceTotal_SumsLinesRoundingEachHalfCentAwayFromZero()
    {
        InvoiceLine[] lines = [new("Labour", 1.5m, 3_333), new("Valve", 2, 1_250), new("Call-out", 1, 4_500)];

        // 1.5 × 33.33 = 49.995 → 50.00; 2 × 12.50 = 25.00; 45.00.
        Assert.Equal([5_000L, 2_500L, 4_500L], lines.Select(l => l.AmountCents));
        Assert.Equal(12_000L, InvoiceMath.TotalCents(lines));
        Assert.Equal(0L, InvoiceMath.TotalCents([]));
    }

    [Fact]
    public void InvoiceTotal_PastTheMaximum_Null() =>
        Assert.Null(InvoiceMath.TotalCents([new("Big", 2, Money.MaxCents)]));

    [Theory]
    [InlineData("1", true)]
    [InlineData("0.125", true)]
    [InlineData("1000000", true)]
    [InlineData("0", false)]
    [InlineData("-1", false)]
    [InlineData("0.0001", false)]
    [InlineData("1000000.5", false)]
    public void InvoiceLine_Quantity(string quantity, bool valid) =>
        Assert.Equal(valid, InvoiceLine.IsValidQuantity(decimal.Parse(quantity, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("0.001", 100L, true)]      // 0.1 cent
    [InlineData("0.004", 100L, true)]      // 0.4 cent
    [InlineData("0.005", 100L, false)]     // a half cent rounds up to 0.01
    [InlineData("0.001", 1_000L, false)]
    [InlineData("0.001", 0L, false)]       // a free line is no charge on purpose
    public void InvoiceLine_PricedButRoundingToNothing(string quantity, long unitPriceCents, bool nothing) =>
        Assert.Equal(nothing, new InvoiceLine("Screws", decimal.Parse(quantity, System.Globalization.CultureInfo.InvariantCulture), unitPriceCents).RoundsToNothing);

    [Theory]
    [InlineData("scheduled", false)]
    [InlineData("in_progress", false)]
    [InlineData("completed", true)]
    [InlineData("cancelled", true)]
    public void Job_KeepsClientAndScheduleOnceFinished(string status, bool keeps) =>
        Assert.Equal(keeps, JobStatus.KeepsClientAndSchedule(status));

    [Theory]
    [InlineData("scheduled", "en_route", true)]
    [InlineData("en_route", "arrived", true)]
    [InlineData("arrived", "completed", true)]
    [InlineData("scheduled", "arrived", true)]
    [InlineData("scheduled", "completed", true)]
    [InlineData("scheduled", "cancelled", true)]
    [InlineData("en_route", "cancelled", true)]
    [InlineData("arrived", "cancelled", true)]
    [InlineData("arrived", "arrived", true)]
    [InlineData("completed", "completed", true)]
    [InlineData("en_route", "scheduled", false)]
    [InlineData("arrived", "en_route", false)]
    [InlineData("completed", "cancelled", false)]
    [InlineData("completed", "arrived", false)]
    [InlineData("cancelled", "scheduled", false)]
    [InlineData("cancelled", "completed", false)]
    public void VisitStatus_MovesForwardOrToCancelledUntilFinal(string from, string to, bool allowed)
    {
        var why = VisitStatus.WhyNot(from, to);
        Assert.Equal(allowed, why is null);
        if (!allowed) Assert.Contains(from, why);
    }

    [Theory]
    [InlineData("draft", "sent", true)]
    [InlineData("sent", "paid", true)]
    [InlineData("sent", "void", true)]
    [InlineData("paid", "void", true)]
    [InlineData("paid", "paid", true)]
    [InlineData("draft", "paid", false)]
    [InlineData("draft", "void", false)]
    [InlineData("sent", "draft", false)]
    [InlineData("paid", "sent", false)]
    [InlineData("void", "draft", false)]
    [InlineData("void", "sent", false)]
    public void InvoiceStatus_DraftSentPaidOrVoid(string from, string to, bool allowed) =>
        Assert.Equal(allowed, InvoiceStatus.WhyNot(from, to) is null);

    [Fact]
    public void InvoiceStatus_OnlyDraftIsEditable()
    {
        Assert.True(InvoiceStatus.IsEditable(InvoiceStatus.Draft));
        Assert.All([InvoiceStatus.Sent, InvoiceStatus.Paid, InvoiceStatus.Void], s => Assert.False(InvoiceStatus.IsEditable(s)));
    }

    [Theory]
    [InlineData("scheduled", "in_progress", true)]
    [InlineData("in_progress", "scheduled", true)]
    [InlineData("in_progress", "completed", true)]
    [InlineData("scheduled", "cancelled", true)]
    [InlineData("completed", "in_progress", false)]
    [InlineData("cancelled", "scheduled", false)]
    public void JobStatus_FinalStatesStay(string from, string to, bool allowed) =>
        Assert.Equal(allowed, JobStatus.WhyNot(from, to) is null);
}
