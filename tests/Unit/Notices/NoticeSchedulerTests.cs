using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Notices;
using FieldCamp.Tests.Unit.Api;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Notices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Notices;

/// <summary>The scheduler against the real app and store, with a clock the test moves.</summary>
public sealed class NoticeSchedulerTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly AppFactory _app;

    public NoticeSchedulerTests()
    {
        _app = new AppFactory { Clock = _clock };
        _ = _app.Services;
    }

    public void Dispose() => _app.Dispose();

    private Task<int> RunSchedulerAsync() => _app.Services.GetRequiredService<NoticeScheduler>().RunOnceAsync();

    private async Task<List<Notice>> NoticesForAsync(string keyId)
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.Notices.Where(n => n.ApiKeyId == keyId).OrderBy(n => n.Id).ToListAsync();
    }

    [Fact]
    public async Task ExpiringKey_NoticedOncePerThreshold_HoweverOftenTheSchedulerRuns()
    {
        var key = await _app.CreateKeyAsync(expiresAt: _clock.UtcNow.AddDays(10));

        await RunSchedulerAsync();
        await RunSchedulerAsync();
        var first = Assert.Single(await NoticesForAsync(key.Id));

        _clock.Advance(TimeSpan.FromDays(4));
        await RunSchedulerAsync();
        await RunSchedulerAsync();

        var notices = await NoticesForAsync(key.Id);
        Assert.Equal(2, notices.Count);
        Assert.Equal(NoticeKind.ExpiringSoon, first.Kind);
        Assert.StartsWith("Expires in 10 days", first.Message);
        Assert.StartsWith("Expires in 6 days", notices[1].Message);
        Assert.Equal((key.CompanyId, key.BranchId, key.Name), (notices[1].CompanyId, notices[1].BranchId, notices[1].KeyName));
    }

    [Fact]
    public async Task StaleKey_Noticed_RevokedOneIsNot()
    {
        var (companyId, branchId) = await _app.TenantAsync("acme");
        var stale = ApiKey.Create(companyId, branchId, new NewApiKey(AppFactory.UniqueName("idle"), ["clients:read"], null, null),
            Actor.Operator("tests"), _clock.UtcNow.AddDays(-70)).Key;
        await _app.SaveKeyAsync(stale);
        var revoked = await _app.CreateKeyAsync(expiresAt: _clock.UtcNow.AddDays(3));
        using (var admin = _app.CreateClient((await _app.CreateKeyAsync(scopes: ["api-keys:manage", "clients:read"])).Secret))
            await admin.DeleteAsync($"/api/v1/api-keys/{revoked.Id}").ExpectAsync(HttpStatusCode.NoContent);

        await RunSchedulerAsync();

        Assert.Equal(NoticeKind.Stale, Assert.Single(await NoticesForAsync(stale.Id)).Kind);
        Assert.Empty(await NoticesForAsync(revoked.Id));
    }

    [Fact]
    public async Task KeyCalledFromABrowser_NoticedOnceWithItsOrigin()
    {
        var key = await _app.CreateKeyAsync();
        using var client = _app.CreateClient(key.Secret);
        client.DefaultRequestHeaders.Add("Origin", "https://shop.example");
        await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        await Until(async () => (await RunSchedulerAsync()) > 0 || (await NoticesForAsync(key.Id)).Count > 0);
        await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
        await Task.Delay(500);
        await RunSchedulerAsync();

        var notice = Assert.Single(await NoticesForAsync(key.Id));
        Assert.Equal(NoticeKind.UsedFromBrowser, notice.Kind);
        Assert.Contains("https://shop.example", notice.Message);
    }

    [Fact]
    public async Task KeyCalledFromABackend_NoBrowserNotice()
    {
        var key = await _app.CreateKeyAsync();
        using var client = _app.CreateClient(key.Secret);
        await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
        await Until(async () =>
        {
            await using var db = await _app.CreateDbContextAsync();
            return await db.ApiKeyRequests.AnyAsync(r => r.ApiKeyId == key.Id);
        });

        await RunSchedulerAsync();

        Assert.Empty(await NoticesForAsync(key.Id));
    }

    [Fact]
    public async Task RotationWhoseOldKeyWentIdle_NoticedOnce_UnlessAutomaticRevocationWasChosen()
    {
        var admin = await _app.CreateKeyAsync(scopes: ["api-keys:manage", "clients:read"]);
        using var adminClient = _app.CreateClient(admin.Secret);
        var manual = await _app.CreateKeyAsync();
        var automatic = await _app.CreateKeyAsync();
        await adminClient.PostAsync($"/api/v1/api-keys/{manual.Id}/rotate", Http.Json(new { })).ExpectAsync(HttpStatusCode.Created);
        await adminClient.PostAsync($"/api/v1/api-keys/{automatic.Id}/rotate", Http.Json(new { autoRevokeWhenIdleHours = 24 }))
            .ExpectAsync(HttpStatusCode.Created);

        _clock.Advance(TimeSpan.FromHours(23));
        await RunSchedulerAsync();
        Assert.Empty(await NoticesForAsync(manual.Id));

        _clock.Advance(TimeSpan.FromHours(2));
        await RunSchedulerAsync();
        await RunSchedulerAsync();

        var notice = Assert.Single(await NoticesForAsync(manual.Id), n => n.Kind == NoticeKind.RotationAwaitingRevoke);
        Assert.StartsWith("Its replacement has taken over: the old key has not been used for 25 h.", notice.Message);
        Assert.DoesNotContain(await NoticesForAsync(automatic.Id), n => n.Kind == NoticeKind.RotationAwaitingRevoke);
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(100))
            if (await condition()) return;
        throw new TimeoutException("The condition did not hold within 10 seconds.");
    }
}
