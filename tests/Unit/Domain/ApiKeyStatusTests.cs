using FieldCamp.Domain.ApiKeys;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

public class ApiKeyStatusTests
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(Now));

    private ApiKey CreateNow(DateTime? expiresAt = null) => CreateQuiet(_clock.UtcNow, Spec(expiresAt: expiresAt));

    [Fact]
    public void StatusAt_NewKeyWithoutExpiry_IsActive()
    {
        var key = CreateNow();

        Assert.Equal(ApiKeyStatus.Active, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_NewKeyExpiringInAYear_IsActive()
    {
        var key = CreateNow(expiresAt: _clock.UtcNow.AddDays(365));

        Assert.Equal(ApiKeyStatus.Active, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_ExactlyFourteenDaysBeforeExpiry_IsExpiringSoon()
    {
        var expiry = _clock.UtcNow.AddDays(30);
        var key = CreateNow(expiresAt: expiry);
        KeepUsing(key, until: expiry.AddDays(-14));

        Assert.Equal(ApiKeyStatus.ExpiringSoon, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_FourteenDaysAndOneSecondBeforeExpiry_IsActive()
    {
        var expiry = _clock.UtcNow.AddDays(30);
        var key = CreateNow(expiresAt: expiry);
        KeepUsing(key, until: expiry.AddDays(-14).AddSeconds(-1));

        Assert.Equal(ApiKeyStatus.Active, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_OneSecondBeforeExpiry_IsExpiringSoon()
    {
        var expiry = _clock.UtcNow.AddDays(30);
        var key = CreateNow(expiresAt: expiry);
        KeepUsing(key, until: expiry.AddSeconds(-1));

        Assert.Equal(ApiKeyStatus.ExpiringSoon, key.StatusAt(_clock.UtcNow));
        Assert.True(key.IsUsableAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_ExactlyAtExpiry_IsExpired()
    {
        var expiry = _clock.UtcNow.AddDays(30);
        var key = CreateNow(expiresAt: expiry);
        KeepUsing(key, until: expiry);

        Assert.Equal(ApiKeyStatus.Expired, key.StatusAt(_clock.UtcNow));
        Assert.False(key.IsUsableAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_LongAfterExpiry_IsExpired()
    {
        var key = CreateNow(expiresAt: _clock.UtcNow.AddDays(1));
        _clock.Advance(TimeSpan.FromDays(2));
        SetLastUsedAt(key, _clock.UtcNow);

        Assert.Equal(ApiKeyStatus.Expired, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_ExactlySixtyDaysAfterLastUse_IsStale()
    {
        var key = CreateNow();
        _clock.Advance(TimeSpan.FromDays(10));
        SetLastUsedAt(key, _clock.UtcNow);

        _clock.Advance(TimeSpan.FromDays(60));

        Assert.Equal(ApiKeyStatus.Stale, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_OneSecondShortOfSixtyDaysAfterLastUse_IsActive()
    {
        var key = CreateNow();
        _clock.Advance(TimeSpan.FromDays(10));
        SetLastUsedAt(key, _clock.UtcNow);

        _clock.Advance(TimeSpan.FromDays(60) - TimeSpan.FromSeconds(1));

        Assert.Equal(ApiKeyStatus.Active, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_NeverUsedKeySixtyDaysAfterCreation_IsStale()
    {
        var key = CreateNow();

        _clock.Advance(TimeSpan.FromDays(60));

        Assert.Null(key.LastUsedAt);
        Assert.Equal(ApiKeyStatus.Stale, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_NeverUsedKeyOneSecondShortOfSixtyDays_IsActive()
    {
        var key = CreateNow();

        _clock.Advance(TimeSpan.FromDays(60) - TimeSpan.FromSeconds(1));

        Assert.Equal(ApiKeyStatus.Active, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_StaleKeyUsedAgain_IsActiveUntilSixtyDaysAfterThatUse()
    {
        var key = CreateNow();
        _clock.Advance(TimeSpan.FromDays(75));
        Assert.Equal(ApiKeyStatus.Stale, key.StatusAt(_clock.UtcNow));

        SetLastUsedAt(key, _clock.UtcNow);

        Assert.Equal(ApiKeyStatus.Active, key.StatusAt(_clock.UtcNow));
        _clock.Advance(TimeSpan.FromDays(59));
        Assert.Equal(ApiKeyStatus.Active, key.StatusAt(_clock.UtcNow));
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(ApiKeyStatus.Stale, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_RevokedAndExpired_IsRevoked()
    {
        var key = CreateNow(expiresAt: _clock.UtcNow.AddDays(1));
        key.Revoke(Alice, _clock.UtcNow);

        _clock.Advance(TimeSpan.FromDays(2));

        Assert.Equal(ApiKeyStatus.Revoked, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_RevokedAndStale_IsRevoked()
    {
        var key = CreateNow();
        key.Revoke(Alice, _clock.UtcNow);

        _clock.Advance(TimeSpan.FromDays(61));

        Assert.Equal(ApiKeyStatus.Revoked, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_RevokedOtherwiseActive_IsRevoked()
    {
        var key = CreateNow();

        key.Revoke(Alice, _clock.UtcNow);

        Assert.Equal(ApiKeyStatus.Revoked, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_ExpiredAndStale_IsExpired()
    {
        var key = CreateNow(expiresAt: _clock.UtcNow.AddDays(90));

        _clock.Advance(TimeSpan.FromDays(90));

        Assert.True(key.IsStaleAt(_clock.UtcNow));
        Assert.Equal(ApiKeyStatus.Expired, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void StatusAt_StaleAndExpiringSoon_IsStale()
    {
        var key = CreateNow(expiresAt: _clock.UtcNow.AddDays(70));

        _clock.Advance(TimeSpan.FromDays(60));

        Assert.True(key.IsExpiringSoonAt(_clock.UtcNow));
        Assert.Equal(ApiKeyStatus.Stale, key.StatusAt(_clock.UtcNow));
    }

    [Fact]
    public void IsExpiringSoonAt_KeyWithoutExpiry_ReturnsFalse()
    {
        var key = CreateNow();

        Assert.False(key.IsExpiringSoonAt(_clock.UtcNow));
    }

    [Fact]
    public void IsExpiringSoonAt_AfterExpiry_ReturnsFalse()
    {
        var key = CreateNow(expiresAt: _clock.UtcNow.AddDays(1));

        _clock.Advance(TimeSpan.FromDays(1));

        Assert.False(key.IsExpiringSoonAt(_clock.UtcNow));
    }

    [Fact]
    public void ToApiString_EachStatus_ReturnsApiSpelling()
    {
        Assert.Equal("active", ApiKeyStatus.Active.ToApiString());
        Assert.Equal("expiring_soon", ApiKeyStatus.ExpiringSoon.ToApiString());
        Assert.Equal("expired", ApiKeyStatus.Expired.ToApiString());
        Assert.Equal("stale", ApiKeyStatus.Stale.ToApiString());
        Assert.Equal("revoked", ApiKeyStatus.Revoked.ToApiString());
    }

    [Fact]
    public void TryParse_EachStatusApiString_RoundTrips()
    {
        var statuses = Enum.GetValues<ApiKeyStatus>();
        Assert.Equal(5, statuses.Length);

        Assert.All(statuses, status =>
        {
            Assert.True(ApiKeyStatusRules.TryParse(status.ToApiString(), out var parsed));
            Assert.Equal(status, parsed);
        });
    }

    [Fact]
    public void ToApiString_UndefinedValue_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((ApiKeyStatus)99).ToApiString());
    }

    [Theory]
    [InlineData("Active")]
    [InlineData("ACTIVE")]
    [InlineData("ExpiringSoon")]
    [InlineData("expiring-soon")]
    [InlineData("expiring soon")]
    [InlineData(" active")]
    [InlineData("unknown")]
    [InlineData("0")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_UnknownValue_ReturnsFalse(string? value)
    {
        Assert.False(ApiKeyStatusRules.TryParse(value, out _));
    }

    /// <summary>Moves the clock to <paramref name="until"/>, using the key along the way so it never goes stale.</summary>
    private void KeepUsing(ApiKey key, DateTime until)
    {
        _clock.SetUtcNow(new DateTimeOffset(until));
        SetLastUsedAt(key, until.AddHours(-1));
    }
}
