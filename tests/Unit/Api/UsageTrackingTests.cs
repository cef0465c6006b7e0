using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>Last use (time, IP, user agent) is written off the request path, and shows within a few seconds.</summary>
public class UsageTrackingTests(AppFactory app) : IClassFixture<AppFactory>
{
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(5);

    private async Task<JsonElement> WaitForLastUseAsync(HttpClient admin, string keyId)
    {
        JsonElement key = default;
        await Http.EventuallyAsync(async () =>
        {
            key = await admin.GetAsync($"/api/v1/api-keys/{keyId}").ExpectAsync(HttpStatusCode.OK);
            return !key.IsNull("lastUsedAt");
        }, Visible, $"lastUsedAt of {keyId}");
        return key;
    }

    [Fact]
    public async Task GetKey_AfterACall_ShowsLastUsedAtIpAndUserAgent()
    {
        var admin = await app.CreateKeyAsync(scopes: ["api-keys:manage"]);
        var target = await app.CreateKeyAsync(scopes: ["jobs:read"]);
        using var adminClient = app.CreateClient(admin.Secret);
        using var targetClient = app.CreateClient(target.Secret, KeyHeader.XApiKey);
        var agent = AppFactory.UniqueName("zapier");
        targetClient.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue(agent, "2.1"));
        var before = DateTime.UtcNow;

        await targetClient.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
        var key = await WaitForLastUseAsync(adminClient, target.Id);

        Assert.InRange(key.GetProperty("lastUsedAt").GetDateTime().ToUniversalTime(), before.AddSeconds(-1), DateTime.UtcNow);
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(key.GetProperty("lastUsedIp").GetString()!)));
        Assert.Equal($"{agent}/2.1", key.GetProperty("lastUsedUserAgent").GetString());
    }

    [Fact]
    public async Task GetKey_UnusedKey_HasNoLastUse()
    {
        var admin = await app.CreateKeyAsync(scopes: ["api-keys:manage"]);
        var target = await app.CreateKeyAsync();
        using var adminClient = app.CreateClient(admin.Secret);

        var key = await adminClient.GetAsync($"/api/v1/api-keys/{target.Id}").ExpectAsync(HttpStatusCode.OK);

        Assert.True(key.IsNull("lastUsedAt"));
        Assert.True(key.IsNull("lastUsedIp"));
        Assert.True(key.IsNull("lastUsedUserAgent"));
    }

    [Fact]
    public async Task GetKey_RejectedRequestsOfARevokedKey_LoggedButNotCountedAsUse()
    {
        var admin = await app.CreateKeyAsync(scopes: ["api-keys:manage"]);
        var target = await app.CreateKeyAsync();
        using var adminClient = app.CreateClient(admin.Secret);
        using var targetClient = app.CreateClient(target.Secret);
        await adminClient.DeleteAsync($"/api/v1/api-keys/{target.Id}").ExpectAsync(HttpStatusCode.NoContent);

        await targetClient.GetAsync("/api/v1/clients").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");

        await Http.EventuallyAsync(async () =>
        {
            var page = await adminClient.GetAsync($"/api/v1/api-keys/{target.Id}/activity").ExpectAsync(HttpStatusCode.OK);
            return page.GetProperty("data").EnumerateArray().Any(e => e.GetProperty("status").GetInt32() == 401);
        }, Visible, "the refused request in the revoked key's activity");
        var key = await adminClient.GetAsync($"/api/v1/api-keys/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(key.IsNull("lastUsedAt"), "A refused request is not a use of the key.");
    }

    [Fact]
    public async Task Activity_RepeatedIdenticalCalls_OneEntryPerSecondWithTheirCount()
    {
        var admin = await app.CreateKeyAsync(scopes: ["api-keys:manage"]);
        var target = await app.CreateKeyAsync(scopes: ["jobs:read", "clients:read"]);
        using var adminClient = app.CreateClient(admin.Secret);
        using var targetClient = app.CreateClient(target.Secret);

        var first = DateTime.UtcNow;
        for (var i = 0; i < 6; i++) await targetClient.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
        var last = DateTime.UtcNow;
        await targetClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        List<JsonElement> entries = [];
        await Http.EventuallyAsync(async () =>
        {
            var page = await adminClient.GetAsync($"/api/v1/api-keys/{target.Id}/activity").ExpectAsync(HttpStatusCode.OK);
            entries = [.. page.GetProperty("data").EnumerateArray()];
            return entries.Sum(e => e.GetProperty("count").GetInt32()) == 7;
        }, Visible, "all seven requests in the activity");

        var jobs = entries.Where(e => e.GetProperty("path").GetString() == "/api/v1/jobs").ToList();
        Assert.Equal(6, jobs.Sum(e => e.GetProperty("count").GetInt32()));
        // One entry per second the six calls spanned: one or two on an idle machine, more on a busy one.
        var secondsSpanned = (int)(last.Ticks / TimeSpan.TicksPerSecond - first.Ticks / TimeSpan.TicksPerSecond) + 1;
        Assert.InRange(jobs.Count, 1, Math.Min(secondsSpanned, 6));
        var clients = Assert.Single(entries, e => e.GetProperty("path").GetString() == "/api/v1/clients");
        Assert.Equal(1, clients.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Usage_LogFull_DroppedRequestsReportedAsAWarning()
    {
        using var small = new AppFactory();
        small.Settings["ApiKeys:Usage:MaxPendingRows"] = "1";
        // Long enough that the five requests below land between two writes even on a busy machine.
        small.Settings["ApiKeys:Usage:FlushInterval"] = "00:00:06";
        var key = await small.CreateKeyAsync(scopes: ["jobs:read"]);
        using var client = small.CreateClient(key.Secret);

        // Five different paths need five rows; only one fits until the next write.
        for (var i = 0; i < 5; i++) await client.GetAsync($"/api/v1/jobs/job_missing{i}").ExpectAsync(HttpStatusCode.NotFound);

        await Http.EventuallyAsync(() => Task.FromResult(small.Logs.Entries.Any(e =>
            e.Contains("usage log was full", StringComparison.Ordinal) && e.Contains("4 requests", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(20), "a warning about the 4 requests that did not fit");
    }

    [Fact]
    public async Task Shutdown_RequestsSinceTheLastWrite_AreWrittenBeforeTheAppStops()
    {
        using var stopping = new AppFactory();
        stopping.Settings["ApiKeys:Usage:FlushInterval"] = "01:00:00";   // no timed write during the test
        var key = await stopping.CreateKeyAsync(scopes: ["jobs:read"]);
        using var client = stopping.CreateClient(key.Secret);
        await client.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);

        await stopping.Host.StopAsync();

        // Straight from the file: a stopped app disposes its services.
        await using var db = stopping.OpenStoreDirectly();
        var stored = await db.ApiKeys.SingleAsync(k => k.Id == key.Id);
        Assert.NotNull(stored.LastUsedAt);
        Assert.Equal(1, await db.ApiKeyRequests.Where(r => r.ApiKeyId == key.Id).SumAsync(r => r.Count));
    }
}
