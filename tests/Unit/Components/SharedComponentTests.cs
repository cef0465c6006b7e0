using Bunit;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Components.Shared;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

public sealed class SharedComponentTests : MudTestContext
{
    private static readonly DateTime Now = new(2026, 3, 2, 9, 30, 0, DateTimeKind.Utc);

    public SharedComponentTests() => Context.Render<MudPopoverProvider>();

    [Fact]
    public void Banner_ZeroKeys_RendersNothing()
    {
        var cut = Context.Render<Banner>(p => p.Add(b => b.Count, 0).Add(b => b.One, "never expires.").Add(b => b.Many, "never expire."));

        Assert.Equal("", cut.Markup.Trim());
    }

    [Theory]
    [InlineData(1, "1 key never expires.")]
    [InlineData(3, "3 keys never expire.")]
    public void Banner_SomeKeys_CountsThem(int count, string expected)
    {
        var cut = Context.Render<Banner>(p => p.Add(b => b.Count, count).Add(b => b.One, "never expires.").Add(b => b.Many, "never expire."));

        Assert.Contains(expected, cut.Text());
        Assert.True(cut.HasButton("Show"));
    }

    [Fact]
    public async Task Banner_ShowThenClear_FiltersThenOffersToClearTheFilter()
    {
        int shown = 0, cleared = 0;
        var cut = Context.Render<Banner>(p => p.Add(b => b.Count, 2).Add(b => b.One, "is stale.").Add(b => b.Many, "are stale.")
            .Add(b => b.Filter, "Stale").Add(b => b.OnShow, () => shown++).Add(b => b.OnClear, () => cleared++));
        Assert.Equal("Show keys: Stale", cut.Button("Show").GetAttribute("aria-label"));

        await cut.ClickAsync("Show");
        cut.Render(p => p.Add(b => b.Active, true));
        Assert.Equal(1, shown);

        Assert.Equal("Clear filter: Stale", cut.Button("Clear").GetAttribute("aria-label"));
        await cut.ClickAsync("Clear");
        Assert.Equal(1, cleared);
    }

    [Fact]
    public void ExpiryText_NoExpiry_SaysNever()
    {
        var cut = Context.Render<ExpiryText>(p => p.Add(e => e.ExpiresAt, null).Add(e => e.Now, Now));

        Assert.Equal("Never", cut.Text().Trim());
    }

    [Fact]
    public void ExpiryText_InThePast_SaysExpiredAgo()
    {
        var cut = Context.Render<ExpiryText>(p => p.Add(e => e.ExpiresAt, Now.AddDays(-3)).Add(e => e.Now, Now));

        Assert.Equal("Expired 3 days ago", cut.Text().Trim());
    }

    [Fact]
    public void ExpiryText_InTheFuture_SaysIn()
    {
        var cut = Context.Render<ExpiryText>(p => p.Add(e => e.ExpiresAt, Now.AddDays(12)).Add(e => e.Now, Now));

        Assert.Equal("in 12 days", cut.Text().Trim());
    }

    [Theory]
    [InlineData(ApiKeyStatus.Active, "Active")]
    [InlineData(ApiKeyStatus.ExpiringSoon, "Expiring soon")]
    [InlineData(ApiKeyStatus.Expired, "Expired")]
    [InlineData(ApiKeyStatus.Stale, "Stale")]
    [InlineData(ApiKeyStatus.Revoked, "Revoked")]
    public void StatusChip_Status_ShowsItsLabel(ApiKeyStatus status, string label)
    {
        var cut = Context.Render<StatusChip>(p => p.Add(s => s.Status, status));

        Assert.Equal(label, cut.ByTestId("key-status").TextContent.Trim());
    }

    [Fact]
    public void ScopeChips_MoreThanMax_ShowsTheFirstAndCountsTheRest()
    {
        var cut = Context.Render<ScopeChips>(p => p
            .Add(s => s.Scopes, ["clients:read", "jobs:read", "visits:read", "invoices:read", "items:read"])
            .Add(s => s.Max, 3));

        var text = cut.Text();
        Assert.Contains("clients:read", text);
        Assert.Contains("visits:read", text);
        Assert.DoesNotContain("invoices:read", text);
        Assert.Contains("+2", text);
    }
}
