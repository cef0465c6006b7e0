using Bunit;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.Components.Pages.KeyPolicy;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>The Key policy page over the real app's services: owners edit and save it; anyone else is refused.</summary>
public sealed class KeyPolicyPageTests : MudTestContext, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly DashboardApp _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<IRenderedComponent<KeyPolicyPage>> RenderAsAsync(string email)
    {
        await _app.AddDashboardServicesAsync(Context, email);
        RenderDialogProvider();
        Context.Render<MudSnackbarProvider>();
        return Context.Render<KeyPolicyPage>();
    }

    private async Task<KeyPolicy?> StoredPolicyAsync()
    {
        await using var db = await _app.CreateDbContextAsync();
        var companyId = await db.Companies.Where(c => c.Slug == "acme").Select(c => c.Id).SingleAsync();
        return await db.KeyPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.CompanyId == companyId);
    }

    [Fact]
    public async Task Owner_SetsRequiredExpiryAndLifetime_SavedAndAudited()
    {
        var page = await RenderAsAsync("owner@acme.test");
        page.WaitForAssertion(() => Assert.True(page.HasButton("Save policy")), Patience);
        Assert.True(page.Button("Save policy").IsDisabled());
        Assert.Contains("nothing enforced yet", page.Text());

        await page.TickAsync("Require an expiry on every key", true);
        await page.TickAsync("Limit how long a key may live", true);
        await page.TypeAsync("Maximum lifetime (days)", "45");
        await page.ClickAsync("Save policy");

        page.WaitForAssertion(() => Assert.Contains("Last changed by owner@acme.test", page.Text()), Patience);
        var stored = await StoredPolicyAsync();
        Assert.NotNull(stored);
        Assert.Equal(new KeyPolicySettings(DefaultExpiryDays: 45, RequireExpiry: true, MaxLifetimeDays: 45), stored.Settings);
        await using var db = await _app.CreateDbContextAsync();
        var changed = await db.AuditEvents.SingleAsync(e => e.Type == AuditEventType.KeyPolicyChanged);
        Assert.Null(changed.BranchId);
        Assert.Equal("owner@acme.test", changed.Actor.Name);
        Assert.Contains(new AuditChange("maxLifetime", "none", "45 days"), changed.Changes);
        Assert.Contains(new AuditChange("defaultExpiry", "90 days", "45 days"), changed.Changes); // the offered expiry follows the maximum
        Assert.True(page.Button("Save policy").IsDisabled());
    }

    [Fact]
    public async Task Owner_InvalidValues_ErrorShownAndNothingSaved()
    {
        var page = await RenderAsAsync("owner@acme.test");
        page.WaitForAssertion(() => Assert.True(page.HasButton("Save policy")), Patience);

        await page.TickAsync("Limit how long a key may live", true);
        await page.TypeAsync("Maximum lifetime (days)", "0");
        page.WaitForAssertion(() => Assert.Contains("Choose between 1 and 3,650 days.", page.Text()), Patience);
        await page.TickAsync("Revoke keys unused for a number of days", true);
        await page.TypeAsync("Days without use", "3");
        page.WaitForAssertion(() => Assert.Contains("so that owners hear of it a week before", page.Text()), Patience);

        await page.ClickAsync("Save policy");

        Assert.Null(await StoredPolicyAsync());
    }

    [Fact]
    public async Task Owner_SetsSharedRateLimit_SavedAndAudited()
    {
        var page = await RenderAsAsync("owner@acme.test");
        page.WaitForAssertion(() => Assert.True(page.HasButton("Save policy")), Patience);
        Assert.Contains("The server's configured default is 600 requests per minute.", page.Text());

        await page.TickAsync("Set this company's own shared limit", true);
        Assert.Equal("600", page.Field("Requests per minute, shared").GetAttribute("value")); // starts from the configured default
        await page.TypeAsync("Requests per minute, shared", "1200");
        await page.ClickAsync("Save policy");

        page.WaitForAssertion(() => Assert.Contains("Last changed by owner@acme.test", page.Text()), Patience);
        var stored = await StoredPolicyAsync();
        Assert.NotNull(stored);
        Assert.Equal(new KeyPolicySettings(DefaultRequestsPerMinute: 1200), stored.Settings);
        await using var db = await _app.CreateDbContextAsync();
        var changed = await db.AuditEvents.SingleAsync(e => e.Type == AuditEventType.KeyPolicyChanged);
        Assert.Equal([new AuditChange("defaultRateLimit", "configured default", "1200/min")], changed.Changes);
        Assert.True(page.Button("Save policy").IsDisabled());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1000001")]
    [InlineData("")]
    public async Task Owner_InvalidSharedRateLimit_ErrorShownAndNothingSaved(string typed)
    {
        var page = await RenderAsAsync("owner@acme.test");
        page.WaitForAssertion(() => Assert.True(page.HasButton("Save policy")), Patience);

        await page.TickAsync("Set this company's own shared limit", true);
        await page.TypeAsync("Requests per minute, shared", typed);
        page.WaitForAssertion(() => Assert.Contains("Choose between 1 and 1,000,000 requests per minute.", page.Text()), Patience);

        await page.ClickAsync("Save policy");

        Assert.Contains("Choose between 1 and 1,000,000 requests per minute.", page.Text());
        Assert.Null(await StoredPolicyAsync());
        await using var db = await _app.CreateDbContextAsync();
        Assert.False(await db.AuditEvents.AnyAsync(e => e.Type == AuditEventType.KeyPolicyChanged));
    }

    [Theory]
    [InlineData("admin@acme.test")]
    [InlineData("member@acme.test")]
    public async Task NotOwner_RefusedWithAClearMessage(string email)
    {
        var page = await RenderAsAsync(email);

        page.WaitForAssertion(() => Assert.True(page.HasTestId("owners-only")), Patience);
        Assert.Contains("Only the company's owners can see and change its key policy.", page.Text());
        Assert.False(page.HasButton("Save policy"));
    }

    [Fact]
    public async Task Admin_SaveOnTheServer_Refused()
    {
        var admin = await _app.WorkspaceForAsync("admin@acme.test");
        var service = new FieldCamp.Web.KeyPolicies.DashboardKeyPolicy(_app.Service<Microsoft.EntityFrameworkCore.IDbContextFactory<FieldCamp.Web.Data.AppDbContext>>(),
            _app.Service<FieldCamp.Web.KeyPolicies.CompanyKeyPolicies>(), admin, _app.Service<TimeProvider>());

        await Assert.ThrowsAsync<FieldCamp.Web.Dashboard.DashboardForbiddenException>(() => service.SaveAsync(new(RequireExpiry: true)));
        Assert.Null(await StoredPolicyAsync());
    }
}
