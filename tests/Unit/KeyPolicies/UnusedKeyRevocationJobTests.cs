using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Notices;
using FieldCamp.Tests.Unit.Api;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.KeyPolicies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.KeyPolicies;

/// <summary>"Revoke keys unused for N days" against the real app and store, with a clock the test moves.</summary>
public sealed class UnusedKeyRevocationJobTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly AppFactory _app;

    public UnusedKeyRevocationJobTests()
    {
        _app = new AppFactory { Clock = _clock };
        _ = _app.Services;
    }

    public void Dispose() => _app.Dispose();

    private Task<int> RunJobAsync() => _app.Services.GetRequiredService<UnusedKeyRevocationJob>().RunOnceAsync();

    private async Task<List<Notice>> NoticesForAsync(string keyId)
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.Notices.Where(n => n.ApiKeyId == keyId).OrderBy(n => n.Id).ToListAsync();
    }

    private async Task<ApiKey> KeyAsync(string keyId)
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == keyId);
    }

    private async Task UseAsync(string keyId)
    {
        await using var db = await _app.CreateDbContextAsync();
        var now = _clock.UtcNow;
        await db.ApiKeys.Where(k => k.Id == keyId).ExecuteUpdateAsync(set => set.SetProperty(k => k.LastUsedAt, now));
    }

    [Fact]
    public async Task UnusedKey_NoticeAWeekBefore_RevokedAtNDaysAsSystem_UsedKeySpared()
    {
        await _app.SetKeyPolicyAsync(new(RevokeUnusedAfterDays: 30));
        var idle = await _app.CreateKeyAsync(expiresAt: _clock.UtcNow.AddDays(90));
        var used = await _app.CreateKeyAsync(expiresAt: _clock.UtcNow.AddDays(90));

        _clock.Advance(TimeSpan.FromDays(22));
        await RunJobAsync();
        Assert.Empty(await NoticesForAsync(idle.Id));

        _clock.Advance(TimeSpan.FromDays(1));
        await RunJobAsync();
        await RunJobAsync();
        var notice = Assert.Single(await NoticesForAsync(idle.Id));
        Assert.Equal(NoticeKind.UnusedKeyRevocation, notice.Kind);
        Assert.Contains("Never used", notice.Message);
        Assert.Single(await NoticesForAsync(used.Id));

        _clock.Advance(TimeSpan.FromDays(2));
        await UseAsync(used.Id);
        _clock.Advance(TimeSpan.FromDays(4).Add(TimeSpan.FromHours(23)));
        await RunJobAsync(); // (the demo workspace's long-idle keys go now: they were announced at day 22)
        Assert.Null((await KeyAsync(idle.Id)).RevokedAt);

        _clock.Advance(TimeSpan.FromHours(1));
        Assert.True(await RunJobAsync() >= 1);
        Assert.Equal(0, await RunJobAsync());

        var revoked = await KeyAsync(idle.Id);
        Assert.Equal(_clock.UtcNow, revoked.RevokedAt);
        Assert.Equal(ActorType.System, revoked.RevokedBy!.Type);
        Assert.Null((await KeyAsync(used.Id)).RevokedAt);
        Assert.Contains(await NoticesForAsync(idle.Id), n => n.Kind == NoticeKind.UnusedKeyRevoked);

        await using var db = await _app.CreateDbContextAsync();
        var audit = await db.AuditEvents.Where(e => e.ApiKeyId == idle.Id && e.Type == AuditEventType.ApiKeyRevoked).SingleAsync();
        Assert.Equal(Actor.System.Id, audit.Actor.Id);
        Assert.Equal(ActorType.System, audit.Actor.Type);
        Assert.Equal((idle.CompanyId, idle.BranchId), (audit.CompanyId, audit.BranchId));
        Assert.Contains("Unused for 30 days", audit.Note);

        using var client = _app.CreateClient(idle.Secret);
        await client.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
    }

    [Fact]
    public async Task PolicySwitchedOnLate_AWeeksNoticeBeforeAnyRevocation()
    {
        var idle = await _app.CreateKeyAsync(expiresAt: _clock.UtcNow.AddDays(365));
        _clock.Advance(TimeSpan.FromDays(100));
        await _app.SetKeyPolicyAsync(new(RevokeUnusedAfterDays: 30));

        await RunJobAsync();
        var notice = Assert.Single(await NoticesForAsync(idle.Id));
        Assert.Contains($"revoked on {_clock.UtcNow.AddDays(7):yyyy-MM-dd HH:mm}", notice.Message);

        _clock.Advance(TimeSpan.FromDays(6));
        await RunJobAsync();
        Assert.Null((await KeyAsync(idle.Id)).RevokedAt);

        _clock.Advance(TimeSpan.FromDays(1));
        await RunJobAsync();
        Assert.NotNull((await KeyAsync(idle.Id)).RevokedAt);
    }

    [Fact]
    public async Task PolicyOff_NothingHappens()
    {
        var idle = await _app.CreateKeyAsync();
        _clock.Advance(TimeSpan.FromDays(400));

        Assert.Equal(0, await RunJobAsync());

        Assert.Empty(await NoticesForAsync(idle.Id));
        Assert.Null((await KeyAsync(idle.Id)).RevokedAt);
    }
}
