using Bunit;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.Audit;
using FieldCamp.Web.Components.Pages.AuditLog;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>The Audit log page over the real app's store: who may read it, what each filter keeps.</summary>
public sealed class AuditLogPageTests : MudTestContext, IDisposable
{
    private static readonly DateTime January = new(2025, 1, 10, 9, 0, 0, DateTimeKind.Utc);
    private readonly DashboardApp _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<Workspace> SignInAsync(string email)
    {
        var (workspace, _) = await _app.AddDashboardServicesAsync(Context, email);
        Context.Services.AddSingleton(new DashboardAuditLog(
            _app.Service<IDbContextFactory<AppDbContext>>(), workspace, _app.Service<TimeProvider>()));
        Context.Render<MudPopoverProvider>();
        return workspace;
    }

    /// <summary>
    /// January 2025, far from anything the demo workspace or the app writes: a key created and revoked in North by the
    /// admin, a key edited in South by a key, a role change (company-wide) by the owner, a failed sign-in.
    /// </summary>
    private async Task<(string NorthKey, string SouthKey)> SeedAsync()
    {
        var northKey = (await _app.CreateKeyAsync("North", "north-key")).Id;
        var southKey = (await _app.CreateKeyAsync("South", "south-key")).Id;
        await using var db = await _app.CreateDbContextAsync();
        var acme = await db.Companies.SingleAsync(c => c.Slug == "acme");
        var north = await db.Branches.SingleAsync(b => b.CompanyId == acme.Id && b.Name == "North");
        var south = await db.Branches.SingleAsync(b => b.CompanyId == acme.Id && b.Name == "South");
        var admin = await db.Users.SingleAsync(u => u.Email == "admin@acme.test");
        var owner = await db.Users.SingleAsync(u => u.Email == "owner@acme.test");
        var byAdmin = Actor.Person(admin.Id, admin.Email!, "198.51.100.4", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36");
        db.AuditEvents.AddRange(
            new AuditEvent(AuditEventType.ApiKeyCreated, acme.Id, north.Id, northKey, "north-key", byAdmin, January),
            new AuditEvent(AuditEventType.ApiKeyRevoked, acme.Id, north.Id, northKey, "north-key", byAdmin, January.AddDays(2)),
            new AuditEvent(AuditEventType.ApiKeyUpdated, acme.Id, south.Id, southKey, "south-key",
                Actor.Key("key_automation", "ci-automation", "192.0.2.1"), January.AddDays(3), [new AuditChange("name", "old", "south-key")]),
            new AuditEvent(AuditEventType.MemberRoleChanged, acme.Id, null, null, "member@acme.test",
                Actor.Person(owner.Id, owner.Email!, "198.51.100.9"), January.AddDays(4), [new AuditChange("role", "Member", "Admin")]),
            new AuditEvent(AuditEventType.SignInFailed, acme.Id, null, null, "nobody@acme.test",
                new Actor(ActorType.Person, "", "nobody@acme.test", "203.0.113.66"), January.AddDays(5)));
        await db.SaveChangesAsync();
        return (northKey, southKey);
    }

    private static IReadOnlyList<string> Types(IRenderedComponent<AuditLogPage> page) =>
        [.. page.FindAll("[data-testid=audit-event]").Select(e => e.GetAttribute("data-type")!)];

    private static async Task InJanuaryAsync(IRenderedComponent<AuditLogPage> page)
    {
        var picker = page.FindComponent<MudDateRangePicker>();
        await page.InvokeAsync(() => picker.Instance.DateRangeChanged.InvokeAsync(new DateRange(January.Date.AddDays(-1), January.Date.AddDays(20))));
    }

    private static Task SelectAsync(IRenderedComponent<AuditLogPage> page, string testId, string value) =>
        page.InvokeAsync(() => page.FindComponents<MudSelect<string>>()
            .Single(s => s.Instance.UserAttributes.TryGetValue("data-testid", out var id) && Equals(id, testId))
            .Instance.ValueChanged.InvokeAsync(value));

    [Fact]
    public async Task Admin_SeesTheirBranchAndCompanyWideEvents_NewestFirst_NotAnotherBranch()
    {
        await SeedAsync();
        await SignInAsync("admin@acme.test");
        var page = Context.Render<AuditLogPage>();
        await InJanuaryAsync(page);

        page.WaitForAssertion(() => Assert.Equal(["sign_in_failed", "member_role_changed", "api_key_revoked", "api_key_created"], Types(page)),
            TimeSpan.FromSeconds(10));
        var text = page.Text();
        Assert.Contains("Company-wide", text);
        Assert.Contains("198.51.100.4", text);
        Assert.Contains("Chrome 156 on Linux", text);
        Assert.Contains("Role: Member → Admin", text);
        Assert.DoesNotContain("south-key", text);
        Assert.False(page.HasTestId("filter-branch"));
    }

    [Fact]
    public async Task Owner_SeesEveryBranch_AndTheBranchFilterNarrowsToOne()
    {
        var (_, southKey) = await SeedAsync();
        await SignInAsync("owner@acme.test");
        var page = Context.Render<AuditLogPage>();
        await InJanuaryAsync(page);
        page.WaitForAssertion(() => Assert.Equal(5, Types(page).Count), TimeSpan.FromSeconds(10));
        Assert.Contains("ci-automation", page.Text());
        Assert.Contains($"(API key key_automation)", page.Text());

        var south = Context.Services.GetRequiredService<Workspace>().Company!.Branches.Single(b => b.Name == "South").Id;
        await SelectAsync(page, "filter-branch", south);
        page.WaitForAssertion(() => Assert.Equal(["api_key_updated"], Types(page)));
        Assert.Contains(southKey, page.Find("[data-testid=audit-key]").TextContent);

        await SelectAsync(page, "filter-branch", AuditLogFilter.CompanyWideBranch);
        page.WaitForAssertion(() => Assert.Equal(["sign_in_failed", "member_role_changed"], Types(page)));
    }

    [Fact]
    public async Task Filters_TypeGroupActorKeyAndDates_EachNarrowTheRows()
    {
        var (northKey, _) = await SeedAsync();
        var workspace = await SignInAsync("admin@acme.test");
        var page = Context.Render<AuditLogPage>();
        await InJanuaryAsync(page);
        page.WaitForAssertion(() => Assert.Equal(4, Types(page).Count), TimeSpan.FromSeconds(10));

        await SelectAsync(page, "filter-type", $"t:{AuditEventType.ApiKeyRevoked}");
        page.WaitForAssertion(() => Assert.Equal(["api_key_revoked"], Types(page)));

        await SelectAsync(page, "filter-type", $"g:{AuditEventGroup.SignIn}");
        page.WaitForAssertion(() => Assert.Equal(["sign_in_failed"], Types(page)));

        await SelectAsync(page, "filter-type", $"g:{AuditEventGroup.Keys}");
        page.WaitForAssertion(() => Assert.Equal(["api_key_revoked", "api_key_created"], Types(page)));
        await SelectAsync(page, "filter-type", "");

        await SelectAsync(page, "filter-actor", $"person:{workspace.UserId}");
        page.WaitForAssertion(() => Assert.Equal(["api_key_revoked", "api_key_created"], Types(page)));
        await SelectAsync(page, "filter-actor", "");

        var key = page.FindComponent<MudAutocomplete<AuditKeyChoice>>();
        await page.InvokeAsync(() => key.Instance.ValueChanged.InvokeAsync(new AuditKeyChoice(northKey, "north-key")));
        page.WaitForAssertion(() => Assert.Equal(["api_key_revoked", "api_key_created"], Types(page)));
        await page.InvokeAsync(() => key.Instance.ValueChanged.InvokeAsync(null));

        var picker = page.FindComponent<MudDateRangePicker>();
        await page.InvokeAsync(() => picker.Instance.DateRangeChanged.InvokeAsync(new DateRange(January.Date.AddDays(2), January.Date.AddDays(4))));
        page.WaitForAssertion(() => Assert.Equal(["member_role_changed", "api_key_revoked"], Types(page)));

        await page.ClickAsync("Clear filters");
        page.WaitForAssertion(() => Assert.True(Types(page).Count > 4));
    }

    [Fact]
    public async Task KeyFilter_OffersOnlyKeysOfBranchesThePersonMayRead()
    {
        var (northKey, southKey) = await SeedAsync();
        await SignInAsync("admin@acme.test");
        var log = Context.Services.GetRequiredService<DashboardAuditLog>();

        var ids = (await log.FindKeysAsync(null)).Select(k => k.Id).ToList();

        Assert.Contains(northKey, ids);
        Assert.DoesNotContain(southKey, ids);
    }

    [Fact]
    public async Task Member_IsRefusedByTheServer_WithAClearMessage()
    {
        await SeedAsync();
        await SignInAsync("member@acme.test");

        var page = Context.Render<AuditLogPage>();

        page.WaitForAssertion(() => Assert.Contains(DashboardAuditLog.Refusal, page.ByTestId("audit-log-refused").TextContent), TimeSpan.FromSeconds(10));
        Assert.False(page.HasTestId("audit-log"));
        Assert.False(page.HasTestId("audit-log-export"));
        var log = Context.Services.GetRequiredService<DashboardAuditLog>();
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => log.ListAsync(new AuditLogFilter(), 0, 25));
    }
}
