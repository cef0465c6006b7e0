using System.Diagnostics;
using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Every key digest is read after start-up, in the background: until that read ends /health/ready says the instance
/// is not ready, and requests are served all the same (a key is then found by its lookup), never held back by it.
/// </summary>
public class KnownDigestsReadinessTests
{
    [Fact]
    public async Task Start_WhileTheDigestsAreRead_NotReadyButKeysWork_ThenReady()
    {
        var readFor = TimeSpan.FromSeconds(4);
        using var app = new AppFactory { DbInterceptors = { new SlowCommands(KnownDigests.LoadTag, readFor) } };
        using var anonymous = app.CreateClient();
        var started = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await anonymous.GetAsync("/health/ready")).StatusCode);

        // A key stored before the read ends, by another process: its first request does not wait for the read.
        var (companyId, branchId) = await app.TenantAsync();
        var (key, secret) = ApiKey.Create(companyId, branchId, new NewApiKey(AppFactory.UniqueName("early"), ["jobs:read"], null),
            Actor.Operator("another process"), DateTime.UtcNow);
        await app.SaveKeyAsync(key);
        using var client = app.CreateClient(secret);
        var asked = Stopwatch.StartNew();
        await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        Console.WriteLine($"first request {asked.ElapsedMilliseconds} ms, {started.ElapsedMilliseconds} ms after the app answered");
        Assert.True(started.Elapsed < readFor, $"the request took until {started.Elapsed} after start: it waited for the read");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await anonymous.GetAsync("/health/ready")).StatusCode);

        await Http.EventuallyAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "ready once the digests are read");
        Assert.True(app.Services.GetRequiredService<KnownDigests>().IsLoaded);
    }

    [Fact]
    public async Task Restart_ThrottledAddress_AKeyThatExistedAtStartIsStillCheckedOnceReady()
    {
        using var first = new AppFactory();
        var key = await first.CreateKeyAsync(scopes: ["*"]);
        await first.Host.StopAsync();

        // Started again: this server never created, read or looked up the key; only its start-up read knows it.
        using var second = AppFactory.SameInstallationAs(first);
        second.Settings["RateLimits:FailedCredentialsPerMinute"] = "3";
        // 10 s into a minute that does not move, so the failures all land in one window.
        second.Clock = ManualTimeProvider.AtSecond10OfThisMinute();
        using var anonymous = second.CreateClient();
        await Http.EventuallyAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "ready once the digests are read");
        for (var i = 0; i < 4; i++)
        {
            using var bad = second.CreateClient("fc_live_" + Guid.NewGuid().ToString("N"));
            await bad.GetAsync("/api/v1/company-info");
        }
        using (var bad = second.CreateClient("fc_live_" + Guid.NewGuid().ToString("N")))
            await bad.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.TooManyRequests, "too_many_failed_credentials");

        using var client = second.CreateClient(key.Secret);
        await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
    }
}
