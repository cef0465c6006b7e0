using System.Diagnostics;
using System.Net;
using FieldCamp.Tests.Unit.Api;
using FieldCamp.Web.Scaling;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FieldCamp.Tests.Unit.Scaling;

/// <summary>
/// Two instances of the app on their own loopback ports, sharing one SQLite file and one throwaway redis-server, as
/// behind a load balancer: a change made through one is seen by the other, limits hold for both together, what one
/// protects the other reads, and both keep serving while Redis is away and pick it up again when it returns.
/// </summary>
public sealed class SeveralInstancesTests : IDisposable
{
    private const string Info = "/api/v1/company-info";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly ITestOutputHelper _output;
    private readonly RedisServer _redis = new();
    private readonly StoreSwitch _store = new();
    private readonly AppFactory _a;
    private readonly AppFactory _b;

    public SeveralInstancesTests(ITestOutputHelper output)
    {
        _output = output;
        _a = new AppFactory();
        Configure(_a);
        _a.CreateClient().Dispose(); // A starts first and seeds the shared database
        _b = AppFactory.SameInstallationAs(_a);
        Configure(_b);
        _b.CreateClient().Dispose();
    }

    private void Configure(AppFactory app)
    {
        app.Settings["Redis:Configuration"] = _redis.Configuration;
        app.DbInterceptors.Add(_store);
        app.Settings["Redis:HeartbeatInterval"] = "00:00:01";
        // Without the subscription a cached key is trusted a second (the default is five): outage tests stay short.
        app.Settings["ApiKeys:Cache:MaxEntryAge"] = "00:00:01";
        app.AppDataProtection = true;
    }

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
        _redis.Dispose();
    }

    private static ClusterSignals Signals(AppFactory app) => app.Services.GetRequiredService<ClusterSignals>();

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < Patience, $"Still waiting, after {Patience.TotalSeconds} s, for {what}.");
            await Task.Delay(20);
        }
    }

    private async Task BothSubscribedAsync()
    {
        await WaitUntilAsync(() => Signals(_a).IsLive, "instance A to subscribe to Redis");
        await WaitUntilAsync(() => Signals(_b).IsLive, "instance B to subscribe to Redis");
    }

    /// <summary>Revokes through A's API and returns how long B took to refuse the key.</summary>
    private async Task<TimeSpan> RevokeOnAAndTimeRefusalOnBAsync(TestKey admin, TestKey victim, TimeSpan deadline)
    {
        using var adminOnA = _a.CreateClient(admin.Secret);
        using var victimOnB = _b.CreateClient(victim.Secret);
        await adminOnA.DeleteAsync($"/api/v1/api-keys/{victim.Id}").ExpectAsync(HttpStatusCode.NoContent);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var response = await victimOnB.GetAsync(Info);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
                return waited.Elapsed;
            }
            Assert.True(waited.Elapsed < deadline, $"B still accepts a key revoked on A {waited.Elapsed.TotalMilliseconds:F0} ms later.");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task KeyCreatedThroughA_WorksOnItsFirstRequestToB()
    {
        var admin = await _a.CreateKeyAsync(scopes: ["*"]);
        using var adminOnA = _a.CreateClient(admin.Secret);
        var created = await adminOnA.PostAsync("/api/v1/api-keys", Http.Json(new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" } }))
            .ExpectAsync(HttpStatusCode.Created);

        using var onB = _b.CreateClient(created.GetProperty("key").GetString()!);
        await onB.GetAsync(Info).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task DatabaseOutage_Answers503NotA401_OnBothInstances()
    {
        var notYetUsed = await _a.CreateKeyAsync(scopes: ["*"]);

        _store.Down = true;
        try
        {
            foreach (var app in new[] { _a, _b })
            {
                using var client = app.CreateClient(notYetUsed.Secret);
                var response = await client.GetAsync(Info);
                await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "service_unavailable");
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            }
        }
        finally
        {
            _store.Down = false;
        }
    }

    [Fact]
    public async Task KeyRevokedThroughA_IsRefusedByB_WithinASecond()
    {
        await BothSubscribedAsync();
        var admin = await _a.CreateKeyAsync(scopes: ["*"]);
        var victim = await _a.CreateKeyAsync(scopes: ["clients:read"]);
        using (var onB = _b.CreateClient(victim.Secret))
            await onB.GetAsync(Info).ExpectAsync(HttpStatusCode.OK); // B now holds the key in its cache, trusted for 30 s

        var propagation = await RevokeOnAAndTimeRefusalOnBAsync(admin, victim, Patience);

        _output.WriteLine($"Revocation on A refused on B after {propagation.TotalMilliseconds:F1} ms.");
        Assert.True(propagation < TimeSpan.FromSeconds(1), $"Propagation took {propagation.TotalMilliseconds:F0} ms.");
    }

    [Fact]
    public async Task KeyRevokedByTheCommandLine_IsRefusedByBothInstances_WithinASecond()
    {
        await BothSubscribedAsync();
        var victim = await _a.CreateKeyAsync(scopes: ["clients:read"]);
        using var onA = _a.CreateClient(victim.Secret);
        using var onB = _b.CreateClient(victim.Secret);
        await onA.GetAsync(Info).ExpectAsync(HttpStatusCode.OK);
        await onB.GetAsync(Info).ExpectAsync(HttpStatusCode.OK);

        var stderr = new StringWriter();
        var exit = await FieldCamp.Web.Cli.ApiKeyCommandLine.RunAsync(["apikey", "revoke", victim.Id], new StringWriter(), stderr,
            new Dictionary<string, string?>(_a.StoreSettings) { ["Redis:Configuration"] = _redis.Configuration });
        var waited = Stopwatch.StartNew();

        Assert.True(exit == 0, stderr.ToString());
        Assert.DoesNotContain("Redis could not be told", stderr.ToString());
        foreach (var client in new[] { onA, onB })
        {
            while ((await client.GetAsync(Info)).StatusCode != HttpStatusCode.Unauthorized)
            {
                Assert.True(waited.Elapsed < Patience, "An instance still accepts a key the command line revoked.");
                await Task.Delay(5);
            }
        }
        _output.WriteLine($"Revocation by the command line refused on both instances after {waited.Elapsed.TotalMilliseconds:F1} ms.");
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(1), $"Propagation took {waited.Elapsed.TotalMilliseconds:F0} ms.");
    }

    [Fact]
    public async Task LimitOf10PerMinute_AdmitsExactly10AcrossBothInstances_Under40ParallelRequests()
    {
        await BothSubscribedAsync();
        await AwayFromWindowEndAsync();
        var key = await _a.CreateKeyAsync(scopes: ["clients:read"], rateLimit: 10);
        using var onA = _a.CreateClient(key.Secret);
        using var onB = _b.CreateClient(key.Secret);

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? onA : onB).GetAsync(Info)));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(30, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.All(responses, r => Assert.Equal("10", Header(r, "RateLimit-Limit")));
        // One counter for both: the admitted requests were told 9, 8, …, 0 left, each number once.
        Assert.Equal(Enumerable.Range(0, 10), responses.Where(r => r.IsSuccessStatusCode)
            .Select(r => int.Parse(Header(r, "RateLimit-Remaining"))).Order());
        Assert.All(responses.Where(r => !r.IsSuccessStatusCode), r => Assert.Equal("0", Header(r, "RateLimit-Remaining")));
        // The reset comes from Redis's clock: the same on both, give or take the second that may tick between answers.
        var resets = responses.Select(r => int.Parse(Header(r, "RateLimit-Reset"))).ToList();
        Assert.True(resets.Max() - resets.Min() <= 1, $"Resets differ: {string.Join(", ", resets.Distinct())}");
    }

    [Fact]
    public async Task ANoticePostedOnA_ReachesTheBellsOnB()
    {
        await BothSubscribedAsync();
        var heard = new TaskCompletionSource<(string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Signals(_b).DashboardEvent += (name, subject) => heard.TrySetResult((name, subject));

        Signals(_a).Dashboard(DashboardEvents.Notices, "co_test");

        Assert.Equal((DashboardEvents.Notices, "co_test"), await heard.Task.WaitAsync(Patience));
    }

    [Fact]
    public async Task AReplacementsFirstUseOnA_ReachesTheRotationWizardOnB()
    {
        await BothSubscribedAsync();
        var admin = await _a.CreateKeyAsync(scopes: ["*"], name: AppFactory.UniqueName("admin"));
        var old = await _a.CreateKeyAsync(scopes: ["clients:read"]);
        using var adminOnA = _a.CreateClient(admin.Secret);
        var replacement = await adminOnA.PostAsync($"/api/v1/api-keys/{old.Id}/rotate", null).ExpectAsync(HttpStatusCode.Created);
        var heard = new TaskCompletionSource<(string, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Signals(_b).DashboardEvent += (name, subject) =>
        {
            if (name == DashboardEvents.RotationSeen) heard.TrySetResult((name, subject));
        };

        // The integration's first call with its new key lands on A; a wizard open on B is told which rotation it was.
        using var integrationOnA = _a.CreateClient(replacement.GetProperty("key").GetString()!);
        await integrationOnA.GetAsync(Info).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal((DashboardEvents.RotationSeen, old.Id), await heard.Task.WaitAsync(Patience));
    }

    [Fact]
    public async Task WhatAProtects_BReads()
    {
        var payload = _a.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("sign-in").Protect("signed in on A");

        var read = _b.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("sign-in").Unprotect(payload);

        Assert.Equal("signed in on A", read);
        // Shared through Redis, not through a folder both happen to see on this machine.
        var ring = _a.Services.GetRequiredService<RedisConnection>().Database;
        Assert.True(await ring.ListLengthAsync("fieldcamp:dataprotection-keys") >= 1, "The key ring is not in Redis.");
    }

    [Fact]
    public async Task SignedInOnA_TheSessionAndItsAntiforgeryTokenWorkOnB()
    {
        using var onA = FieldCamp.Tests.Unit.SignIn.FormBrowser.Open(_a);
        await onA.SignInAsync("admin@acme.test", FieldCamp.Web.Data.DemoSeeder.Password);
        using var onB = FieldCamp.Tests.Unit.SignIn.FormBrowser.WithCookieHeader(_b, onA.CookieHeader);

        using (var page = await onB.Http.GetAsync("/settings/developer/api-keys"))
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        // The sign-out form's token, checked on B against the antiforgery cookie A issued.
        using var signOut = await onB.SignOutAsync();

        Assert.Equal("/account/login", onB.LocationPath(signOut));
        using var afterwards = await onA.Http.GetAsync("/settings/developer/api-keys");
        Assert.Equal("/account/login", onA.LocationPath(afterwards));
    }

    [Fact]
    public async Task PageCursorFromA_WorksOnB()
    {
        var admin = await _a.CreateKeyAsync(scopes: ["*"]);
        await _a.CreateKeyAsync(scopes: ["clients:read"]);
        using var onA = _a.CreateClient(admin.Secret);
        using var onB = _b.CreateClient(admin.Secret);

        var first = await onA.GetAsync("/api/v1/api-keys?limit=1").ExpectAsync(HttpStatusCode.OK);
        var cursor = first.GetProperty("nextCursor").GetString();

        Assert.False(string.IsNullOrEmpty(cursor));
        await onB.GetAsync($"/api/v1/api-keys?limit=1&cursor={Uri.EscapeDataString(cursor!)}").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task WhileRedisIsAway_BServesCachedKeys_NoticesChangesWithinTheShortAge_AndAfterItReturnsPropagationIsFastAgain()
    {
        await BothSubscribedAsync();
        var admin = await _a.CreateKeyAsync(scopes: ["*"]);
        var kept = await _a.CreateKeyAsync(scopes: ["clients:read"]);
        var revokedDuringOutage = await _a.CreateKeyAsync(scopes: ["clients:read"]);
        var revokedAfter = await _a.CreateKeyAsync(scopes: ["clients:read"]);
        using var keptOnB = _b.CreateClient(kept.Secret);
        foreach (var key in new[] { kept, revokedDuringOutage, revokedAfter })
        {
            using var client = _b.CreateClient(key.Secret);
            await client.GetAsync(Info).ExpectAsync(HttpStatusCode.OK);
        }

        _redis.Stop();
        await WaitUntilAsync(() => !Signals(_b).IsLive && !Signals(_a).IsLive, "both instances to notice Redis is gone");
        await keptOnB.GetAsync(Info).ExpectAsync(HttpStatusCode.OK);
        // Nothing reaches B through Redis now: it notices by reading the key again, after at most MaxEntryAge (1 s here).
        var unannounced = await RevokeOnAAndTimeRefusalOnBAsync(admin, revokedDuringOutage, TimeSpan.FromSeconds(10));
        _output.WriteLine($"With Redis away, B refused a key revoked on A after {unannounced.TotalMilliseconds:F0} ms.");
        await keptOnB.GetAsync(Info).ExpectAsync(HttpStatusCode.OK);

        _redis.Start();
        await BothSubscribedAsync();
        await keptOnB.GetAsync(Info).ExpectAsync(HttpStatusCode.OK);
        await keptOnB.GetAsync(Info).ExpectAsync(HttpStatusCode.OK); // cached again, trusted for 30 s
        var propagation = await RevokeOnAAndTimeRefusalOnBAsync(admin, revokedAfter, Patience);
        _output.WriteLine($"After Redis returned, B refused a key revoked on A after {propagation.TotalMilliseconds:F1} ms.");
        Assert.True(propagation < TimeSpan.FromSeconds(1), $"Propagation after reconnecting took {propagation.TotalMilliseconds:F0} ms.");
    }

    [Fact]
    public async Task AnInstanceStartedWhileRedisIsAway_Serves_AndSubscribesWhenItComes()
    {
        _redis.Stop();
        using var c = AppFactory.SameInstallationAs(_a);
        Configure(c);
        var key = await _a.CreateKeyAsync(scopes: ["clients:read"], rateLimit: 10);
        var admin = await _a.CreateKeyAsync(scopes: ["*"]);
        using var onC = c.CreateClient(key.Secret);

        await onC.GetAsync(Info).ExpectAsync(HttpStatusCode.OK);
        Assert.False(Signals(c).IsLive);

        _redis.Start();
        await WaitUntilAsync(() => Signals(c).IsLive && Signals(_a).IsLive, "the instance started without Redis to subscribe once it came");
        await onC.GetAsync(Info).ExpectAsync(HttpStatusCode.OK);
        using var adminOnA = _a.CreateClient(admin.Secret);
        await adminOnA.DeleteAsync($"/api/v1/api-keys/{key.Id}").ExpectAsync(HttpStatusCode.NoContent);
        var waited = Stopwatch.StartNew();
        while ((await onC.GetAsync(Info)).StatusCode != HttpStatusCode.Unauthorized)
        {
            Assert.True(waited.Elapsed < Patience, "The late subscriber still accepts a revoked key.");
            await Task.Delay(5);
        }
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(1), $"Propagation took {waited.Elapsed.TotalMilliseconds:F0} ms.");
    }

    [Fact]
    public async Task WhileRedisIsAway_EachInstanceAdmitsItsShareOfTheLimit()
    {
        await WaitUntilAsync(() => _a.Services.GetRequiredService<InstanceRegistry>().KnownInstances == 2
                                   && _b.Services.GetRequiredService<InstanceRegistry>().KnownInstances == 2, "both instances to see each other");
        var key = await _a.CreateKeyAsync(scopes: ["clients:read"], rateLimit: 10);
        using var onA = _a.CreateClient(key.Secret);
        using var onB = _b.CreateClient(key.Secret);

        _redis.Stop();
        await WaitUntilAsync(() => !_a.Services.GetRequiredService<SharedRateLimits>().IsAvailable
                                   && !_b.Services.GetRequiredService<SharedRateLimits>().IsAvailable, "both instances to notice Redis is gone");
        await Http.AwayFromTheMinutesEndAsync();
        var onAResponses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => onA.GetAsync(Info)));
        var onBResponses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => onB.GetAsync(Info)));

        // 10 a minute shared by two instances that cannot count together: 5 each, and the headers say so.
        Assert.Equal(5, onAResponses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(5, onBResponses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(onAResponses.Concat(onBResponses), r => Assert.Equal("5", Header(r, "RateLimit-Limit")));
    }

    [Fact]
    public async Task Readiness_SaysRedisIsDown_WhileHealthStaysUp()
    {
        using var client = _b.CreateClient();
        await WaitUntilAsync(() => _b.Services.GetRequiredService<SharedRateLimits>().IsAvailable, "B to connect");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        _redis.Stop();
        var waited = Stopwatch.StartNew();
        HttpResponseMessage ready;
        while ((ready = await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
        {
            Assert.True(waited.Elapsed < Patience, "/health/ready still says ready with Redis stopped.");
            await Task.Delay(50);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    /// <summary>Waits, when a minute's window ends within 5 s on Redis's clock, for the next one: counts must not reset mid-test.</summary>
    private async Task AwayFromWindowEndAsync()
    {
        var time = await _a.Services.GetRequiredService<RedisConnection>().Database.ExecuteAsync("TIME");
        await Http.AwayFromTheMinutesEndAsync(long.Parse((string)((StackExchange.Redis.RedisResult[])time!)[0]!));
    }
}
