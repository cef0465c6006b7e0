using Bunit;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Components.Pages.ApiKeys;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>
/// The key page's "Scope use" section over the real app's services: each granted scope's requests in the last 90 days,
/// the least-privilege suggestion, and the last 7 days' refusals with "Add scope" for owners and admins only.
/// </summary>
public sealed class ScopeUsePanelTests : MudTestContext, IDisposable
{
    private const string Admin = "admin@acme.test";
    private const string Member = "member@acme.test";

    private readonly DashboardApp _app = new();

    public void Dispose() => _app.Dispose();

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>A key in Acme North with these scopes and these (scope, days ago, allowed, refused) rows of use.</summary>
    private async Task<string> KeyAsync(string[] scopes, params (string Scope, int DaysAgo, long Allowed, long Refused)[] use)
    {
        var key = await _app.CreateKeyAsync("North", $"scope-use-{Guid.NewGuid():N}"[..24]);
        await _app.Manager.UpdateAsync(new KeyScope(key.CompanyId, key.BranchId), key.Id, new ApiKeyUpdate(Scopes: scopes), Actor.Operator("tests"));
        await using var db = await _app.CreateDbContextAsync();
        db.ScopeUseDays.AddRange(use.Select(u => new ScopeUseDay
        {
            ApiKeyId = key.Id, Day = Today.AddDays(-u.DaysAgo), Scope = u.Scope, Allowed = u.Allowed, Refused = u.Refused,
        }));
        await db.SaveChangesAsync();
        return key.Id;
    }

    private async Task<IRenderedComponent<ApiKeyDetail>> RenderAsync(string email, string keyId)
    {
        await _app.AddDashboardServicesAsync(Context, email);
        Context.Render<MudPopoverProvider>();
        var page = Context.Render<ApiKeyDetail>(p => p.Add(d => d.Id, keyId));
        page.WaitForAssertion(() => Assert.True(page.HasTestId("scope-suggestion") || page.HasTestId("scope-use-row")), TimeSpan.FromSeconds(10));
        return page;
    }

    /// <summary>Each row as "scope (what it stood for): requests".</summary>
    private static List<string> Rows(IRenderedComponent<ApiKeyDetail> page) =>
        [.. page.FindAll("[data-testid='scope-use-row']").Select(r =>
        {
            var via = r.QuerySelector(".mud-typography-caption")?.TextContent.Trim();
            return $"{r.QuerySelector("code")!.TextContent}{(via is null ? "" : $" ({via})")}: {r.QuerySelectorAll("td")[1].TextContent.Trim()}";
        })];

    [Fact]
    public async Task RefusedScope_ShownWithItsCountOfTheLast7Days_AdminAddsItInOneClick_Audited()
    {
        var keyId = await KeyAsync(["jobs:read"],
            ("jobs:read", 0, 40, 0), ("visits:write", 0, 0, 9), ("visits:write", 6, 0, 3), ("visits:write", 7, 0, 50), ("clients:read", 10, 0, 5));

        var page = await RenderAsync(Admin, keyId);

        var refused = Assert.Single(page.FindAll("[data-testid='scope-refused']"));
        Assert.Contains("Refused for visits:write 12 times in the last 7 days", System.Text.RegularExpressions.Regex.Replace(refused.TextContent, @"\s+", " "));
        await page.ActAsync(p => p.Find("button[aria-label='Add scope visits:write to this key']"), b => b.ClickAsync(new MouseEventArgs()));

        page.WaitForAssertion(() => Assert.False(page.HasTestId("scope-refused")), TimeSpan.FromSeconds(10));
        await using var db = await _app.CreateDbContextAsync();
        var key = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == keyId);
        Assert.Equal(["jobs:read", "visits:write"], key.Scopes);
        var edit = await db.AuditEvents.AsNoTracking().Where(e => e.ApiKeyId == keyId && e.Type == AuditEventType.ApiKeyUpdated)
            .OrderByDescending(e => e.Id).FirstAsync();
        Assert.Equal(Admin, edit.Actor.Name);
        Assert.Equal(new AuditChange("scopes", "jobs:read", "jobs:read visits:write"), Assert.Single(edit.Changes));
        page.WaitForAssertion(() => Assert.Contains("visits:write", page.ByTestId("detail-facts").TextContent));
        // Its refusals count as needs: the suggestion does not take back the scope just added.
        Assert.Equal("Every granted scope was needed: nothing to narrow.", page.ByTestId("scope-suggestion").TextContent.Trim());
    }

    [Fact]
    public async Task AddingAWriteScope_ReplacesTheReadItImplies()
    {
        var keyId = await KeyAsync(["jobs:read", "clients:read"], ("jobs:write", 1, 0, 4));
        var (_, keys) = await _app.AddDashboardServicesAsync(Context, Admin);

        var key = await keys.AddScopeAsync(keyId, "jobs:write");

        Assert.Equal(["clients:read", "jobs:write"], key!.Scopes);
        await Assert.ThrowsAsync<FieldCamp.Domain.DomainException>(() => keys.AddScopeAsync(keyId, "*"));
    }

    [Fact]
    public async Task Member_SeesTheRefusalButNoAddScope_AndTheServerRefusesThem()
    {
        var keyId = await KeyAsync(["jobs:read"], ("visits:write", 1, 0, 2));

        var page = await RenderAsync(Member, keyId);

        Assert.Contains("Refused for visits:write twice in the last 7 days", page.Text());
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Contains("Add scope"));
        var keys = Context.Services.GetRequiredService<DashboardKeys>();
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => keys.AddScopeAsync(keyId, "visits:write"));
        await using var db = await _app.CreateDbContextAsync();
        Assert.Equal(["jobs:read"], (await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == keyId)).Scopes);
    }

    [Fact]
    public async Task FullAccessKey_EachUseUnderTheStar_SuggestsTheScopesUsed()
    {
        var keyId = await KeyAsync(["*"], ("jobs:read", 0, 10, 0), ("jobs:read", 89, 5, 0), ("clients:write", 3, 3, 0), ("items:read", 90, 7, 0));

        var page = await RenderAsync(Admin, keyId);

        Assert.Equal(["* (jobs:read 15 · clients:write 3): 18"], Rows(page));
        Assert.Equal("Narrow to clients:write, jobs:read: that covers every request of the last 90 days.", page.ByTestId("scope-suggestion").TextContent.Trim());
    }

    [Fact]
    public async Task WriteScopeUsedOnlyToRead_CountedUnderTheWrite_SuggestsTheRead()
    {
        var keyId = await KeyAsync(["clients:write", "invoices:read"], ("clients:read", 2, 30, 0));

        var page = await RenderAsync(Admin, keyId);

        Assert.Equal(["clients:write (clients:read 30): 30", "invoices:read: unused"], Rows(page));
        Assert.Equal("Narrow to clients:read: that covers every request of the last 90 days.", page.ByTestId("scope-suggestion").TextContent.Trim());
    }

    [Fact]
    public async Task EveryScopeUsed_NothingToNarrow()
    {
        var keyId = await KeyAsync(["jobs:read"], ("jobs:read", 0, 1234, 0));

        var page = await RenderAsync(Admin, keyId);

        Assert.Equal(["jobs:read: 1,234"], Rows(page));
        Assert.Equal("Every granted scope was needed: nothing to narrow.", page.ByTestId("scope-suggestion").TextContent.Trim());
        Assert.False(page.HasTestId("scope-refused"));
    }

    [Fact]
    public async Task UnusedKey_NewOne_NotUsedYet_OlderThan90Days_ConsiderRevoking()
    {
        var fresh = await KeyAsync(["jobs:read"]);
        var page = await RenderAsync(Admin, fresh);
        Assert.Equal("Not used yet.", page.ByTestId("scope-suggestion").TextContent.Trim());

        var (companyId, branchId) = await CompanyAndBranchAsync(fresh);
        var (old, _) = ApiKey.Create(companyId, branchId, new NewApiKey("old-unused", ["jobs:read"], null), Actor.Operator("tests"),
            DateTime.UtcNow.AddDays(-120));
        await using (var db = await _app.CreateDbContextAsync())
        {
            db.ApiKeys.Add(old);
            db.ScopeUseDays.Add(new ScopeUseDay { ApiKeyId = old.Id, Day = Today.AddDays(-100), Scope = "jobs:read", Allowed = 8 });
            await db.SaveChangesAsync();
        }
        var oldPage = Context.Render<ApiKeyDetail>(p => p.Add(d => d.Id, old.Id));
        oldPage.WaitForAssertion(() => Assert.Equal("Unused for 90 days: consider revoking it.", oldPage.ByTestId("scope-suggestion").TextContent.Trim()),
            TimeSpan.FromSeconds(10));
    }

    private async Task<(string CompanyId, string BranchId)> CompanyAndBranchAsync(string keyId)
    {
        await using var db = await _app.CreateDbContextAsync();
        var key = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == keyId);
        return (key.CompanyId, key.BranchId);
    }
}
