using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>Listing counts keys, so each test gets an app of its own (globex/Main holds no demo keys).</summary>
public class ApiKeyListTests
{
    private const string Keys = "/api/v1/api-keys";

    [Fact]
    public async Task ListKeys_PagedWithLimitAndCursor_WalksEveryKeyExactlyOnceNewestFirst()
    {
        using var app = new AppFactory();
        var admin = await app.CreateKeyAsync("globex", scopes: ["api-keys:manage"]);
        var expected = new List<string> { admin.Id };
        for (var i = 0; i < 7; i++) expected.Add((await app.CreateKeyAsync("globex")).Id);
        await app.CreateKeyAsync("acme", "North"); // another tenant's key never shows up
        using var client = app.CreateClient(admin.Secret);

        var seen = new List<string>();
        var pageSizes = new List<int>();
        string? cursor = null;
        do
        {
            var page = await client.GetAsync($"{Keys}?limit=3{(cursor is null ? "" : $"&cursor={cursor}")}").ExpectAsync(HttpStatusCode.OK);
            var ids = page.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("id").GetString()!).ToList();
            seen.AddRange(ids);
            pageSizes.Add(ids.Count);
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null && pageSizes.Count < 10);

        Assert.Equal([3, 3, 2], pageSizes);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(expected.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Equal(seen.OrderByDescending(id => id, StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task ListKeys_ExactlyOneFullPage_HasNoNextCursor()
    {
        using var app = new AppFactory();
        var admin = await app.CreateKeyAsync("globex", scopes: ["api-keys:manage"]);
        await app.CreateKeyAsync("globex");
        using var client = app.CreateClient(admin.Secret);

        var page = await client.GetAsync($"{Keys}?limit=2").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(2, page.GetProperty("data").GetArrayLength());
        Assert.True(page.IsNull("nextCursor"));
    }

    [Fact]
    public async Task ListKeys_StatusFilter_ReturnsExactlyTheKeysInThatStatus()
    {
        using var app = new AppFactory();
        var admin = await app.CreateKeyAsync("globex", scopes: ["api-keys:manage"], name: "admin");
        await app.CreateKeyAsync("globex", name: "active");
        await app.CreateKeyAsync("globex", name: "soon", expiresAt: DateTime.UtcNow.AddDays(5));
        var revoked = await app.CreateKeyAsync("globex", name: "revoked");
        var (companyId, branchId) = await app.TenantAsync("globex");
        var longAgo = DateTime.UtcNow.AddDays(-90);
        var (expired, _) = ApiKey.Create(companyId, branchId, new NewApiKey("expired", ["clients:read"], longAgo.AddDays(30)), Actor.Operator("tests"), longAgo);
        var (stale, _) = ApiKey.Create(companyId, branchId, new NewApiKey("stale", ["clients:read"]), Actor.Operator("tests"), longAgo);
        await app.SaveKeyAsync(expired);
        await app.SaveKeyAsync(stale);
        using var client = app.CreateClient(admin.Secret);
        await client.DeleteAsync($"{Keys}/{revoked.Id}").ExpectAsync(HttpStatusCode.NoContent);

        async Task<string[]> NamesAsync(string query)
        {
            var page = await client.GetAsync($"{Keys}?limit=100{query}").ExpectAsync(HttpStatusCode.OK);
            return [.. page.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("name").GetString()!).Order()];
        }

        Assert.Equal(["active", "admin"], await NamesAsync("&status=active"));
        Assert.Equal(["soon"], await NamesAsync("&status=expiring_soon"));
        Assert.Equal(["expired"], await NamesAsync("&status=expired"));
        Assert.Equal(["stale"], await NamesAsync("&status=stale"));
        Assert.Equal(["revoked"], await NamesAsync("&status=revoked"));
        // Without a filter: everything that has not been revoked.
        Assert.Equal(["active", "admin", "expired", "soon", "stale"], await NamesAsync(""));

        var statuses = (await client.GetAsync($"{Keys}?limit=100&status=revoked").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("data").EnumerateArray().Select(k => k.GetProperty("status").GetString());
        Assert.Equal(["revoked"], statuses);
    }
}
