using System.Diagnostics;
using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
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
}
