using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Dashboard;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>What the API Keys pages call, against the seeded demo workspace (four keys in Acme North).</summary>
public sealed class DashboardKeysTests : IDisposable
{
    private const string Admin = "admin@acme.test";
    private const string Member = "member@acme.test";

    private readonly DashboardApp _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<DashboardKeys> KeysAsAsync(string email) => _app.KeysFor(await _app.WorkspaceForAsync(email));

    private async Task<IReadOnlyList<string>> NamesAsync(KeyFilter filter)
    {
        var keys = await KeysAsAsync(Member);
        var (rows, total) = await keys.ListAsync(filter, nameof(KeyRow.Name), sortDescending: false, page: 0, pageSize: 50);
        Assert.Equal(total, rows.Count);
        return [.. rows.Select(r => r.Name)];
    }

    private async Task<(int Keys, int AuditEvents)> CountAsync()
    {
        await using var db = await _app.CreateDbContextAsync();
        return (await db.ApiKeys.CountAsync(), await db.AuditEvents.CountAsync());
    }

    [Fact]
    public async Task CreateAsync_Member_IsRefusedAndNothingIsStored()
    {
        var keys = await KeysAsAsync(Member);
        var before = await CountAsync();

        await Assert.ThrowsAsync<DashboardForbiddenException>(() => keys.CreateAsync(new NewApiKey("sneaky", ["*"])));

        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task UpdateAsync_Member_IsRefusedAndTheKeyIsUnchanged()
    {
        var keys = await KeysAsAsync(Member);
        var id = await _app.KeyIdAsync("quickbooks-sync");
        var before = await CountAsync();

        await Assert.ThrowsAsync<DashboardForbiddenException>(() =>
            keys.UpdateAsync(id, new ApiKeyUpdate(Name: "renamed", Scopes: ["*"])));

        await using var db = await _app.CreateDbContextAsync();
        var key = await db.ApiKeys.SingleAsync(k => k.Id == id);
        Assert.Equal("quickbooks-sync", key.Name);
        Assert.Equal(["clients:read", "invoices:read"], key.Scopes);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task RevokeAsync_Member_IsRefusedAndTheKeyStillWorks()
    {
        var keys = await KeysAsAsync(Member);
        var id = await _app.KeyIdAsync("zapier-job-sync");
        var before = await CountAsync();

        await Assert.ThrowsAsync<DashboardForbiddenException>(() => keys.RevokeAsync(id));

        await using var db = await _app.CreateDbContextAsync();
        Assert.Null(await db.ApiKeys.Where(k => k.Id == id).Select(k => k.RevokedAt).SingleAsync());
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task CreateAndRevoke_Admin_AreAllowed()
    {
        var keys = await KeysAsAsync(Admin);
        var before = await CountAsync();

        var (key, secret) = await keys.CreateAsync(new NewApiKey("admin-made", ["clients:read"]));
        await keys.RevokeAsync(key.Id);

        Assert.True(ApiKeySecret.IsWellFormed(secret));
        Assert.Equal((before.Keys + 1, before.AuditEvents + 2), await CountAsync());
        await using var db = await _app.CreateDbContextAsync();
        Assert.NotNull(await db.ApiKeys.Where(k => k.Id == key.Id).Select(k => k.RevokedAt).SingleAsync());
    }

    [Fact]
    public async Task ListAsync_NoFilter_ListsTheBranchKeys()
    {
        Assert.Equal(["booking-widget-prod", "internal-admin-automation", "quickbooks-sync", "zapier-job-sync"], await NamesAsync(new KeyFilter()));
    }

    [Theory]
    [InlineData("quickbooks", "quickbooks-sync")]
    [InlineData("QUICKBOOKS", "quickbooks-sync")]
    [InlineData("widget", "booking-widget-prod")]
    public async Task ListAsync_Search_MatchesPartOfTheName(string search, string expected)
    {
        Assert.Equal([expected], await NamesAsync(new KeyFilter(Search: search)));
    }

    [Theory]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("zapier%sync")]
    public async Task ListAsync_SearchWithLikeWildcards_MatchesThemLiterally(string search)
    {
        Assert.Empty(await NamesAsync(new KeyFilter(Search: search)));
    }

    [Fact]
    public async Task ListAsync_StatusStale_ReturnsTheUnusedKey()
    {
        // Created 75 days ago and never used; it also expires in 10 days, but stale takes precedence.
        Assert.Equal(["zapier-job-sync"], await NamesAsync(new KeyFilter(Status: ApiKeyStatus.Stale)));
        Assert.Empty(await NamesAsync(new KeyFilter(Status: ApiKeyStatus.ExpiringSoon)));
    }

    [Fact]
    public async Task ListAsync_FlagFullAccess_ReturnsTheStarKey()
    {
        Assert.Equal(["internal-admin-automation"], await NamesAsync(new KeyFilter(Flag: KeyFlag.FullAccess)));
        Assert.Equal(["internal-admin-automation"], await NamesAsync(new KeyFilter(Flag: KeyFlag.NoExpiry)));
    }

    [Fact]
    public async Task ListAsync_Scope_ReturnsKeysThatCanUseIt()
    {
        // clients:write and * both grant clients:read.
        Assert.Equal(["booking-widget-prod", "internal-admin-automation", "quickbooks-sync"],
            await NamesAsync(new KeyFilter(Scope: "clients:read")));
    }

    [Fact]
    public async Task ListAsync_RevokedKey_OnlyUnderRevoked()
    {
        var admin = await KeysAsAsync(Admin);
        await admin.RevokeAsync(await _app.KeyIdAsync("quickbooks-sync"));

        Assert.DoesNotContain("quickbooks-sync", await NamesAsync(new KeyFilter()));
        Assert.Equal(["quickbooks-sync"], await NamesAsync(new KeyFilter(Status: ApiKeyStatus.Revoked)));
    }

    [Fact]
    public async Task ListAsync_SecondPage_PagesInTheDatabase()
    {
        var keys = await KeysAsAsync(Member);

        var (rows, total) = await keys.ListAsync(new KeyFilter(), nameof(KeyRow.Name), sortDescending: false, page: 1, pageSize: 3);

        Assert.Equal(4, total);
        Assert.Equal(["zapier-job-sync"], rows.Select(r => r.Name));
    }

    [Fact]
    public async Task BannersAsync_DemoData_CountsEachRiskyHabit()
    {
        var keys = await KeysAsAsync(Member);

        Assert.Equal(new KeyBanners(Stale: 1, ExpiringSoon: 0, NoExpiry: 1, FullAccess: 1, HitLimit: 1), await keys.BannersAsync());
    }

    [Fact]
    public async Task GetAsync_OwnerWhoseAccountWasDeleted_SaysDeletedUserRatherThanAnId()
    {
        var keys = await KeysAsAsync(Admin);
        var id = await _app.KeyIdAsync("quickbooks-sync");
        await using var db = await _app.CreateDbContextAsync();
        var memberId = await db.Users.Where(u => u.Email == Member).Select(u => u.Id).SingleAsync();
        await keys.UpdateAsync(id, new ApiKeyUpdate(OwnerId: new Set<string?>(memberId)));
        await db.Users.Where(u => u.Id == memberId).ExecuteDeleteAsync();

        var detail = await keys.GetAsync(id);

        Assert.Equal(DashboardKeys.DeletedUser, detail!.OwnerEmail);
        var change = detail.Events[0].Changes.Single(c => c.Field == "owner");
        Assert.Equal((Admin, DashboardKeys.DeletedUser), (change.From, change.To));
    }

    [Fact]
    public async Task RequestsAsync_KeyOfAnotherCompany_ReturnsNothing()
    {
        var id = await _app.KeyIdAsync("quickbooks-sync");
        Assert.NotEqual(0, (await (await KeysAsAsync(Member)).RequestsAsync(id, 48, page: 0, pageSize: 10)).Total);

        var (rows, total) = await (await KeysAsAsync("owner@globex.test")).RequestsAsync(id, 48, page: 0, pageSize: 10);

        Assert.Empty(rows);
        Assert.Equal(0, total);
    }

    [Fact]
    public async Task HitLimitFilter_ListsOnlyKeysRefused429InTheLast24Hours_WithTheirCount()
    {
        var keys = await KeysAsAsync(Member);
        var id = await _app.KeyIdAsync("booking-widget-prod");
        await using var db = await _app.CreateDbContextAsync();
        var since = keys.Now.AddHours(-24);
        var expected = await db.ApiKeyRequests.Where(r => r.ApiKeyId == id && r.Status == 429 && r.At >= since).SumAsync(r => r.Count);
        var older = await db.ApiKeyRequests.Where(r => r.ApiKeyId == id && r.Status == 429 && r.At < since).SumAsync(r => r.Count);

        var (rows, total) = await keys.ListAsync(new KeyFilter(Flag: KeyFlag.HitLimit), null, true, 0, 10);

        Assert.Equal(1, total);
        var row = Assert.Single(rows);
        Assert.Equal(id, row.Id);
        Assert.Equal(expected, row.LimitedLast24Hours);
        Assert.True(older > 0, "The demo also has a burst older than 24 hours, which is not counted.");
    }

    [Fact]
    public async Task GetAsync_ActivityPerHour_Tells2xx4xx429And5xxApart()
    {
        var keys = await KeysAsAsync(Member);
        var id = await _app.KeyIdAsync("booking-widget-prod");
        await using var db = await _app.CreateDbContextAsync();
        var log = await db.ApiKeyRequests.Where(r => r.ApiKeyId == id).ToListAsync();

        var detail = (await keys.GetAsync(id))!;

        var since = detail.RequestsPerHour[0].Hour;
        var inWindow = log.Where(r => r.At >= since).ToList();
        Assert.Equal(inWindow.Where(r => r.Status is >= 200 and < 300).Sum(r => r.Count), detail.RequestsPerHour.Sum(h => h.Succeeded));
        Assert.Equal(inWindow.Where(r => r.Status is >= 400 and < 500 and not 429).Sum(r => r.Count), detail.RequestsPerHour.Sum(h => h.ClientErrors));
        Assert.Equal(inWindow.Where(r => r.Status == 429).Sum(r => r.Count), detail.RequestsPerHour.Sum(h => h.Limited));
        Assert.True(detail.RequestsPerHour.Sum(h => h.Limited) > 0);
        Assert.All(detail.RequestsPerHour, h => Assert.Equal(h.Requests, h.Succeeded + h.ClientErrors + h.Limited + h.ServerErrors));
        Assert.Equal(detail.LimitedLast24Hours, log.Where(r => r.Status == 429 && r.At >= keys.Now.AddHours(-24)).Sum(r => r.Count));
    }

}
