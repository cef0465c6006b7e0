using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Auth;

namespace FieldCamp.Tests.Unit.Auth;

/// <summary>The back-off falls on the clients that fail, never on the account: nobody can lock an owner out.</summary>
public class SignInThrottleTests
{
    private const string Owner = "OWNER@ACME.TEST";
    private const string Stranger = "203.0.113.7";
    private const string OwnersAddress = "198.51.100.20";

    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryBegin_FewerFailuresThanTheFreeOnes_AllAllowed()
    {
        using var throttle = new SignInThrottle(_clock);

        for (var i = 0; i < SignInThrottle.FreeAccountFailures; i++)
            Assert.True(throttle.TryBegin(Owner, Stranger).Allowed, $"attempt {i + 1}");
    }

    [Fact]
    public void TryBegin_AfterTheFreeFailures_TheFailingClientWaitsLongerEachTime()
    {
        using var throttle = new SignInThrottle(_clock);
        Fail(throttle, Owner, Stranger, SignInThrottle.FreeAccountFailures);

        var refused = throttle.TryBegin(Owner, Stranger);
        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(16), refused.RetryAfter); // the 5th failure of this client: 2^4 s

        _clock.Advance(TimeSpan.FromSeconds(16));
        Assert.True(throttle.TryBegin(Owner, Stranger).Allowed);
        Assert.Equal(TimeSpan.FromSeconds(32), throttle.TryBegin(Owner, Stranger).RetryAfter);
    }

    [Fact]
    public void TryBegin_StrangerThrottled_OwnerFromAnotherAddressIsNotSlowed()
    {
        using var throttle = new SignInThrottle(_clock);
        Fail(throttle, Owner, Stranger, 12);
        Assert.False(throttle.TryBegin(Owner, Stranger).Allowed);

        var owner = throttle.TryBegin(Owner, OwnersAddress);

        Assert.True(owner.Allowed);
    }

    [Fact]
    public void TryBegin_RefusedManyTimesInOneWindow_ReportsTheFirstRefusalOnly()
    {
        using var throttle = new SignInThrottle(_clock);
        Fail(throttle, Owner, Stranger, SignInThrottle.FreeAccountFailures);

        var refusals = Enumerable.Range(0, 10).Select(_ => throttle.TryBegin(Owner, Stranger)).ToList();

        Assert.All(refusals, r => Assert.False(r.Allowed));
        Assert.Equal([true, false, false, false, false, false, false, false, false, false], refusals.Select(r => r.FirstRefusalOfWindow));
        _clock.Advance(TimeSpan.FromSeconds(16));
        Assert.True(throttle.TryBegin(Owner, Stranger).Allowed); // a new failure opens a new window
        Assert.True(throttle.TryBegin(Owner, Stranger).FirstRefusalOfWindow);
    }

    [Fact]
    public void TryBegin_ClientBlockedByInventedEmails_StillReportsItsFirstRefusalForARealAccount()
    {
        using var throttle = new SignInThrottle(_clock);
        for (var i = 0; i < SignInThrottle.ClientFailureLimit; i++) throttle.TryBegin($"INVENTED{i}@EXAMPLE.TEST", Stranger);
        Assert.True(throttle.TryBegin("INVENTED-MORE@EXAMPLE.TEST", Stranger).FirstRefusalOfWindow);

        var atOwner = Enumerable.Range(0, 3).Select(_ => throttle.TryBegin(Owner, Stranger)).ToList();

        Assert.All(atOwner, r => Assert.False(r.Allowed));
        Assert.Equal([true, false, false], atOwner.Select(r => r.FirstRefusalOfWindow));
    }

    [Fact]
    public void TryBegin_ClientFailingAcrossManyAccounts_IsRefusedForEveryAccount()
    {
        using var throttle = new SignInThrottle(_clock);
        for (var i = 0; i < SignInThrottle.ClientFailureLimit; i++)
            Assert.True(throttle.TryBegin($"PERSON{i}@EXAMPLE.TEST", Stranger).Allowed);

        var next = throttle.TryBegin("SOMEONE-NEW@EXAMPLE.TEST", Stranger);

        Assert.False(next.Allowed);
        Assert.Equal(SignInThrottle.ClientBlock, next.RetryAfter);
        Assert.True(throttle.TryBegin("SOMEONE-NEW@EXAMPLE.TEST", OwnersAddress).Allowed);
        _clock.Advance(SignInThrottle.ClientBlock);
        Assert.True(throttle.TryBegin("SOMEONE-NEW@EXAMPLE.TEST", Stranger).Allowed);
    }

    [Fact]
    public void Succeeded_AfterOwnTypos_ForgivesThisClientOnly()
    {
        using var throttle = new SignInThrottle(_clock);
        Fail(throttle, Owner, Stranger, 10);
        Fail(throttle, Owner, OwnersAddress, 1);
        _clock.Advance(SignInThrottle.FirstBackOff);
        throttle.TryBegin(Owner, OwnersAddress); // the right password this time
        throttle.Succeeded(Owner, OwnersAddress);

        Assert.True(throttle.TryBegin(Owner, OwnersAddress).Allowed);
        Assert.False(throttle.TryBegin(Owner, Stranger).Allowed);
    }

    [Fact]
    public void TryBegin_QuietForAnHour_FailuresForgotten()
    {
        using var throttle = new SignInThrottle(_clock);
        Fail(throttle, Owner, Stranger, 12);
        _clock.Advance(SignInThrottle.Memory);

        for (var i = 0; i < SignInThrottle.FreeAccountFailures; i++)
            Assert.True(throttle.TryBegin(Owner, Stranger).Allowed, $"attempt {i + 1}");
    }

    [Fact]
    public void TryBegin_FloodOfInventedEmailsAndAddresses_StaysWithinCapacity()
    {
        using var throttle = new SignInThrottle(_clock);

        for (var i = 0; i < SignInThrottle.Capacity * 2; i++)
            throttle.TryBegin($"X{i}@FLOOD.TEST", $"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}");

        Assert.InRange(throttle.Entries, 0, SignInThrottle.Capacity);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 16)]
    [InlineData(10, 512)]
    [InlineData(11, 900)]
    [InlineData(1000, 900)]
    public void BackOff_DoublesUpToFifteenMinutes(int failures, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SignInThrottle.BackOff(failures));

    /// <summary>Failed attempts, each allowed (the caller waits out any back-off between them).</summary>
    private void Fail(SignInThrottle throttle, string email, string client, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var permission = throttle.TryBegin(email, client);
            if (!permission.Allowed)
            {
                _clock.Advance(permission.RetryAfter);
                permission = throttle.TryBegin(email, client);
            }
            Assert.True(permission.Allowed);
        }
    }
}
