using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Notices;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

public sealed class NoticeRulesTests
{
    private static ApiKey KeyExpiringIn(TimeSpan left, ManualTimeProvider clock) =>
        CreateQuiet(clock.UtcNow, Spec(expiresAt: clock.UtcNow + left));

    [Fact]
    public void ExpiryNotices_OnePerThreshold_AsTheClockPassesEach()
    {
        var clock = new ManualTimeProvider(Now);
        var key = KeyExpiringIn(TimeSpan.FromDays(45), clock);
        var seen = new List<Notice>();

        // Walk the clock an hour at a time up to the expiry; collect each distinct occasion once.
        for (var at = clock.UtcNow; at < key.ExpiresAt; at += TimeSpan.FromHours(1))
            foreach (var notice in NoticeRules.DueFor(key, at).Where(n => n.Kind == NoticeKind.ExpiringSoon))
                if (seen.All(s => s.DedupKey != notice.DedupKey)) seen.Add(notice);

        Assert.Equal(4, seen.Count);
        Assert.Equal(["Expires in 30 days", "Expires in 14 days", "Expires in 7 days", "Expires within a day"],
            seen.Select(n => n.Message[..n.Message.IndexOf(',')]));
        Assert.Equal(key.ExpiresAt!.Value.AddDays(-30), seen[0].CreatedAt);
    }

    [Fact]
    public void ExpiryNotice_ForAKeyCreatedCloseToItsExpiry_IsOnlyTheNearestThreshold()
    {
        var clock = new ManualTimeProvider(Now);
        var key = KeyExpiringIn(TimeSpan.FromDays(5), clock);

        var notice = Assert.Single(NoticeRules.DueFor(key, clock.UtcNow));

        Assert.Equal(NoticeKind.ExpiringSoon, notice.Kind);
        Assert.StartsWith("Expires in 5 days", notice.Message);
        Assert.Contains(":7:", notice.DedupKey);
    }

    [Fact]
    public void ExpiryNotice_AfterTheExpiryMovesLater_IsANewOccasion()
    {
        var clock = new ManualTimeProvider(Now);
        var key = KeyExpiringIn(TimeSpan.FromDays(10), clock);
        var before = Assert.Single(NoticeRules.DueFor(key, clock.UtcNow));

        key.Update(new ApiKeyUpdate(ExpiresAt: new Set<DateTime?>(clock.UtcNow.AddDays(12))), Alice, clock.UtcNow);
        var after = Assert.Single(NoticeRules.DueFor(key, clock.UtcNow));

        Assert.NotEqual(before.DedupKey, after.DedupKey);
    }

    [Fact]
    public void NoNotice_ForAKeyFarFromExpiryAndRecentlyUsed()
    {
        var clock = new ManualTimeProvider(Now);
        var key = KeyExpiringIn(TimeSpan.FromDays(31), clock);
        var neverExpires = CreateQuiet(clock.UtcNow, Spec(expiresAt: null));

        Assert.Empty(NoticeRules.DueFor(key, clock.UtcNow));
        Assert.Empty(NoticeRules.DueFor(neverExpires, clock.UtcNow.AddDays(59)));
    }

    [Fact]
    public void StaleNotice_NeverUsedKey_SaysSoOnceForThatIdleSpell()
    {
        var clock = new ManualTimeProvider(Now);
        var key = CreateQuiet(clock.UtcNow, Spec(expiresAt: null));

        clock.Advance(TimeSpan.FromDays(61));
        var first = Assert.Single(NoticeRules.DueFor(key, clock.UtcNow));
        clock.Advance(TimeSpan.FromDays(3));
        var later = Assert.Single(NoticeRules.DueFor(key, clock.UtcNow));

        Assert.Equal(NoticeKind.Stale, first.Kind);
        Assert.Equal("Never used in the 61 days since it was created. Revoke it if nothing needs it.", first.Message);
        Assert.Equal(first.DedupKey, later.DedupKey);
    }

    [Fact]
    public void StaleNotice_UsedAgainThenIdleAgain_IsANewOccasion()
    {
        var clock = new ManualTimeProvider(Now);
        var key = CreateQuiet(clock.UtcNow, Spec(expiresAt: null));
        clock.Advance(TimeSpan.FromDays(61));
        var first = Assert.Single(NoticeRules.DueFor(key, clock.UtcNow));

        SetLastUsedAt(key, clock.UtcNow);
        Assert.Empty(NoticeRules.DueFor(key, clock.UtcNow.AddDays(59)));
        var second = Assert.Single(NoticeRules.DueFor(key, clock.UtcNow.AddDays(60)));

        Assert.NotEqual(first.DedupKey, second.DedupKey);
        Assert.StartsWith("Not used for 60 days.", second.Message);
    }

    [Fact]
    public void NoNotice_ForRevokedExpiredOrReplacedKeys()
    {
        var clock = new ManualTimeProvider(Now);
        var revoked = KeyExpiringIn(TimeSpan.FromDays(3), clock);
        revoked.Revoke(Alice, clock.UtcNow);
        var expired = KeyExpiringIn(TimeSpan.FromHours(1), clock);
        var rotated = KeyExpiringIn(TimeSpan.FromDays(3), clock);
        rotated.Rotate(new RotationOptions(), Alice, clock.UtcNow);

        Assert.Empty(NoticeRules.DueFor(revoked, clock.UtcNow));
        Assert.Empty(NoticeRules.DueFor(expired, clock.UtcNow.AddHours(2)));
        Assert.Empty(NoticeRules.DueFor(rotated, clock.UtcNow));
    }

    [Fact]
    public void BrowserNotice_NamesTheOriginAndIsPostedOncePerKey()
    {
        var key = CreateQuiet(Now);

        var first = NoticeRules.UsedFromBrowser(key, "https://shop.example", Now);
        var again = NoticeRules.UsedFromBrowser(key, "https://other.example", Now.AddDays(2));

        Assert.Equal(NoticeKind.UsedFromBrowser, first.Kind);
        Assert.Contains("https://shop.example", first.Message);
        Assert.Contains("call the API from your backend", first.Message);
        Assert.Equal(first.DedupKey, again.DedupKey);
        Assert.Equal((key.CompanyId, key.BranchId, key.Id, key.Name), (first.CompanyId, first.BranchId, first.ApiKeyId, first.KeyName));
    }
}
