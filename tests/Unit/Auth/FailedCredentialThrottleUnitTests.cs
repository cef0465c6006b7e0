using System.Net;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Auth;
using Microsoft.Extensions.Logging.Abstractions;

namespace FieldCamp.Tests.Unit.Auth;

/// <summary>How addresses are counted, and what happens beyond the tracked addresses' bound.</summary>
public class FailedCredentialThrottleUnitTests
{
    private static ManualTimeProvider Clock() => new(new DateTimeOffset(2026, 12, 3, 6, 0, 10, TimeSpan.Zero));

    [Fact]
    public void ClientAddress_IPv6_CountedPerSlash64_MappedIPv4AsIPv4()
    {
        Assert.Equal(ClientAddress.From(IPAddress.Parse("2001:db8:1:2::1")), ClientAddress.From(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.NotEqual(ClientAddress.From(IPAddress.Parse("2001:db8:1:2::1")), ClientAddress.From(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.Equal(ClientAddress.From(IPAddress.Parse("203.0.113.7")), ClientAddress.From(IPAddress.Parse("::ffff:203.0.113.7")));
        Assert.Equal("203.0.113.7", ClientAddress.From(IPAddress.Parse("203.0.113.7")).ToString());
        Assert.Equal("2001:db8:1:2::/64", ClientAddress.From(IPAddress.Parse("2001:db8:1:2::1")).ToString());
    }

    [Fact]
    public void Capacity_AddressesBeyondIt_NotTrackedAndNeverRefused()
    {
        using var throttle = new FailedCredentialThrottle(2, Clock(), NullLogger.Instance, capacity: 3);
        var addresses = Enumerable.Range(1, 5).Select(i => ClientAddress.From(IPAddress.Parse($"198.51.100.{i}"))).ToList();
        foreach (var address in addresses)
            for (var i = 0; i < 5; i++) throttle.Failed(address, "invalid_key", out _);

        Assert.Equal(3, throttle.TrackedAddresses);
        Assert.True(throttle.IsExhausted(addresses[0], out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(50), retryAfter);
        Assert.False(throttle.IsExhausted(addresses[4], out _));
        Assert.False(throttle.Failed(addresses[4], "invalid_key", out _));
    }

    [Fact]
    public void Window_NextMinute_StartsEmpty()
    {
        var clock = Clock();
        using var throttle = new FailedCredentialThrottle(1, clock, NullLogger.Instance, capacity: 10);
        var address = ClientAddress.From(IPAddress.Loopback);
        Assert.False(throttle.Failed(address, "invalid_key", out _));
        Assert.True(throttle.Failed(address, "invalid_key", out _));
        Assert.True(throttle.IsExhausted(address, out _));

        clock.Advance(TimeSpan.FromSeconds(50));
        Assert.False(throttle.IsExhausted(address, out _));
        Assert.Equal(0, throttle.TrackedAddresses);
    }
}
