using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Two instances writing one key's usage to one store: the request log holds both instances' requests, and last use
/// only ever moves forward, whichever instance writes last.
/// </summary>
public sealed class TwoInstancesUsageTests : IDisposable
{
    private readonly AppFactory _a = new();
    private readonly AppFactory _b;
    // B's clock runs an hour behind A's: its requests are older than A's latest even when B writes them afterwards.
    private readonly ShiftedClock _behind = new();

    public TwoInstancesUsageTests()
    {
        _a.CreateClient().Dispose(); // A starts first and seeds the shared store
        _behind.Advance(TimeSpan.FromHours(-1));
        _b = AppFactory.SameInstallationAs(_a);
        _b.Clock = _behind;
    }

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
    }

    [Fact]
    public async Task OneKeyOnBothInstances_CountsAddUp_AndLastUseNeverMovesBack()
    {
        var admin = await _a.CreateKeyAsync(scopes: ["api-keys:manage"]);
        var key = await _a.CreateKeyAsync(scopes: ["jobs:read"]);
        using var adminClient = _a.CreateClient(admin.Secret);
        using var throughA = Client(_a, key, "through-a");
        using var throughB = Client(_b, key, "through-b");

        for (var i = 0; i < 5; i++) await throughA.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
        // All five written (the log and last use go in one transaction), so A's last use is final.
        await ActivityAsync(adminClient, key, expected: 5);
        var lastUse = await adminClient.GetAsync($"/api/v1/api-keys/{key.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("through-a/1.0", lastUse.GetProperty("lastUsedUserAgent").GetString());

        for (var i = 0; i < 7; i++) await throughB.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
        var activity = await ActivityAsync(adminClient, key, expected: 12);

        Assert.Equal(5, Count(activity, "through-a/1.0"));
        Assert.Equal(7, Count(activity, "through-b/1.0"));
        // B wrote after A, but its requests are an hour older: last use stays A's.
        var after = await adminClient.GetAsync($"/api/v1/api-keys/{key.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("through-a/1.0", after.GetProperty("lastUsedUserAgent").GetString());
        Assert.Equal(lastUse.GetProperty("lastUsedAt").GetDateTime(), after.GetProperty("lastUsedAt").GetDateTime());
    }

    private static HttpClient Client(AppFactory app, TestKey key, string agent)
    {
        var client = app.CreateClient(key.Secret);
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue(agent, "1.0"));
        return client;
    }

    private static int Count(JsonElement[] activity, string userAgent) =>
        activity.Where(e => e.GetProperty("userAgent").GetString() == userAgent).Sum(e => e.GetProperty("count").GetInt32());

    private static async Task<JsonElement[]> ActivityAsync(HttpClient admin, TestKey key, int expected)
    {
        JsonElement[] entries = [];
        await Http.EventuallyAsync(async () =>
        {
            var page = await admin.GetAsync($"/api/v1/api-keys/{key.Id}/activity?hours=48&limit=100").ExpectAsync(HttpStatusCode.OK);
            entries = [.. page.GetProperty("data").EnumerateArray()];
            return entries.Sum(e => e.GetProperty("count").GetInt32()) >= expected;
        }, TimeSpan.FromSeconds(10), $"{expected} requests in the key's activity");
        return entries;
    }
}
