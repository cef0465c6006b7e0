using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Tests.Unit.Api;

/// <summary><c>/api/v1/api-keys</c> through the real pipeline, called by a key holding <c>*</c>.</summary>
public class ApiKeyEndpointsTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Keys = "/api/v1/api-keys";

    private Task<TestKey> AdminAsync(string company = "acme", string? branch = null) =>
        app.CreateKeyAsync(company, branch, ["*"], AppFactory.UniqueName("admin"));

    private static async Task<JsonElement> CreateAsync(HttpClient client, object body) =>
        await client.PostAsync(Keys, Http.Json(body)).ExpectAsync(HttpStatusCode.Created);

    [Fact]
    public async Task CreateKey_ValidRequest_201WithLocationSecretAndMetadata()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var name = AppFactory.UniqueName("booking-widget");
        var expires = DateTimeOffset.UtcNow.AddDays(90);

        var response = await client.PostAsync(Keys, Http.Json(new
        {
            name, scopes = new[] { "jobs:read", "clients:read" }, expiresAt = expires, rateLimit = new { requestsPerMinute = 120 },
        }));
        var created = await response.ExpectAsync(HttpStatusCode.Created);

        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("key_", id);
        Assert.Equal($"/api/v1/api-keys/{id}", response.Headers.Location?.OriginalString);
        var secret = created.GetProperty("key").GetString()!;
        Assert.Equal(57, secret.Length);
        Assert.StartsWith("fc_live_", secret);
        Assert.True(ApiKeySecret.IsWellFormed(secret));
        Assert.Equal(name, created.GetProperty("name").GetString());
        Assert.Equal(["clients:read", "jobs:read"], created.GetProperty("scopes").Strings());
        Assert.Equal("active", created.GetProperty("status").GetString());
        var hint = created.GetProperty("hint").GetString()!;
        Assert.StartsWith("fc_live_", hint);
        Assert.InRange(hint.Length, 9, 24);
        Assert.DoesNotContain(secret[12..^4], hint);
        Assert.Equal(120, created.GetProperty("rateLimit").GetProperty("requestsPerMinute").GetInt32());
        Assert.InRange((created.GetProperty("expiresAt").GetDateTimeOffset() - expires).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        var createdBy = created.GetProperty("createdBy");
        Assert.Equal("api_key", createdBy.GetProperty("type").GetString());
        Assert.Equal(admin.Id, createdBy.GetProperty("id").GetString());
        Assert.Equal(admin.Name, createdBy.GetProperty("name").GetString());
        Assert.True(created.IsNull("lastUsedAt"));
        Assert.True(created.IsNull("revokedAt"));
        Assert.True(created.IsNull("replacesKeyId"));
    }

    [Fact]
    public async Task CreateKey_NameWithAccentsAndMarkup_ComesBackIntactAndEscapedForHtml()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var name = $"Müller & Söhne <sync> {Guid.NewGuid():N}";

        var created = await CreateAsync(client, new { name, scopes = new[] { "jobs:read" } });
        var response = await client.GetAsync($"{Keys}/{created.GetProperty("id").GetString()}");
        var raw = await response.Content.ReadAsStringAsync();

        Assert.Equal(name, (await response.ExpectAsync(HttpStatusCode.OK)).GetProperty("name").GetString());
        // Written with JSON escapes, so a response pasted into a page can never open a tag.
        Assert.DoesNotContain("<sync>", raw);
        Assert.Contains(@"M\u00FCller \u0026 S\u00F6hne \u003Csync\u003E", raw);
    }

    [Fact]
    public async Task CreateKey_NewKey_WorksOnItsVeryFirstRequest()
    {
        var admin = await AdminAsync("acme", "South");
        using var client = app.CreateClient(admin.Secret);

        var created = await CreateAsync(client, new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" } });
        using var newClient = app.CreateClient(created.GetProperty("key").GetString()!, KeyHeader.XApiKey);

        var info = await newClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(created.GetProperty("id").GetString(), info.GetProperty("credential").GetProperty("id").GetString());
        // Bound to the creating key's branch.
        Assert.Equal(admin.BranchId, info.GetProperty("branch").GetProperty("id").GetString());
        await newClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ListKeys_ReturnsMetadataOnly_NeverASecret()
    {
        var admin = await AdminAsync("globex");
        using var client = app.CreateClient(admin.Secret);
        var created = await CreateAsync(client, new { name = AppFactory.UniqueName(), scopes = new[] { "items:read" } });
        var secret = created.GetProperty("key").GetString()!;

        var response = await client.GetAsync($"{Keys}?limit=100");
        var page = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(["data", "nextCursor"], page.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var data = page.GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(data, k => k.GetProperty("id").GetString() == created.GetProperty("id").GetString());
        Assert.Contains(data, k => k.GetProperty("id").GetString() == admin.Id);
        Assert.All(data, k => Assert.False(k.TryGetProperty("key", out _), "A listed key must not carry a 'key' field."));
        Assert.All(data, k => Assert.False(k.TryGetProperty("secretHash", out _)));
        var raw = page.GetRawText();
        Assert.DoesNotContain(secret, raw);
        Assert.DoesNotContain(admin.Secret, raw);
        Assert.DoesNotContain(secret[8..51], raw);
        Assert.DoesNotContain(AllStrings(page), s => s.Length >= ApiKeySecret.Length && s.Contains("fc_live_"));
    }

    [Fact]
    public async Task GetKey_ById_ReturnsItsMetadata()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var created = await CreateAsync(client, new { name = AppFactory.UniqueName(), scopes = new[] { "visits:write" } });
        var id = created.GetProperty("id").GetString();

        var key = await client.GetAsync($"{Keys}/{id}").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(id, key.GetProperty("id").GetString());
        Assert.Equal(created.GetProperty("name").GetString(), key.GetProperty("name").GetString());
        Assert.Equal(["visits:write"], key.GetProperty("scopes").Strings());
        Assert.Equal(created.GetProperty("hint").GetString(), key.GetProperty("hint").GetString());
        Assert.False(key.TryGetProperty("key", out _));
        Assert.DoesNotContain(created.GetProperty("key").GetString()!, key.GetRawText());
    }

    [Fact]
    public async Task GetKey_UnknownId_404NotFound()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);

        await client.GetAsync($"{Keys}/key_doesnotexist0000000").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task UpdateKey_EachField_ChangesOnlyWhatWasSent()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var created = await CreateAsync(client, new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" } });
        var path = $"{Keys}/{created.GetProperty("id").GetString()}";
        var expires = DateTimeOffset.UtcNow.AddDays(10);

        var withLimit = await client.PatchAsync(path, new { expiresAt = expires, rateLimit = new { requestsPerMinute = 60 } })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(60, withLimit.GetProperty("rateLimit").GetProperty("requestsPerMinute").GetInt32());
        Assert.InRange((withLimit.GetProperty("expiresAt").GetDateTimeOffset() - expires).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.Equal("expiring_soon", withLimit.GetProperty("status").GetString());

        var newName = AppFactory.UniqueName("renamed");
        var renamed = await client.PatchAsync(path, new { name = newName }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(newName, renamed.GetProperty("name").GetString());
        Assert.Equal(["clients:read"], renamed.GetProperty("scopes").Strings());
        Assert.Equal(60, renamed.GetProperty("rateLimit").GetProperty("requestsPerMinute").GetInt32());
        Assert.False(renamed.IsNull("expiresAt"));

        var rescoped = await client.PatchAsync(path, new { scopes = new[] { "jobs:write", "clients:read" } }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["clients:read", "jobs:write"], rescoped.GetProperty("scopes").Strings());
        Assert.Equal(newName, rescoped.GetProperty("name").GetString());

        var cleared = await client.PatchAsync(path, Http.RawJson("{\"expiresAt\":null,\"rateLimit\":null}")).ExpectAsync(HttpStatusCode.OK);
        Assert.True(cleared.IsNull("expiresAt"));
        Assert.True(cleared.IsNull("rateLimit"));
        Assert.Equal(newName, cleared.GetProperty("name").GetString());
        Assert.Equal(["clients:read", "jobs:write"], cleared.GetProperty("scopes").Strings());

        var stored = await client.GetAsync(path).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(newName, stored.GetProperty("name").GetString());
        Assert.True(stored.IsNull("expiresAt"));
        Assert.True(stored.IsNull("rateLimit"));
        Assert.Equal("active", stored.GetProperty("status").GetString());
        Assert.False(stored.TryGetProperty("key", out _));
    }

    [Fact]
    public async Task UpdateKey_EmptyPatch_200Unchanged()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var created = await CreateAsync(client, new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" }, rateLimit = new { requestsPerMinute = 5 } });

        var same = await client.PatchAsync($"{Keys}/{created.GetProperty("id").GetString()}", Http.RawJson("{}")).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(created.GetProperty("name").GetString(), same.GetProperty("name").GetString());
        Assert.Equal(5, same.GetProperty("rateLimit").GetProperty("requestsPerMinute").GetInt32());
    }

    [Fact]
    public async Task UpdateKey_Scopes_ApplyFromTheNextRequest()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync(scopes: ["clients:read"]);
        using var targetClient = app.CreateClient(target.Secret);
        await targetClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        await client.PatchAsync($"{Keys}/{target.Id}", new { scopes = new[] { "jobs:read" } }).ExpectAsync(HttpStatusCode.OK);

        await targetClient.GetAsync("/api/v1/clients").ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await targetClient.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RevokeKey_204ThenTheKeyAnswers401KeyRevoked()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var created = await CreateAsync(client, new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" } });
        var id = created.GetProperty("id").GetString();
        using var keyClient = app.CreateClient(created.GetProperty("key").GetString()!);
        await keyClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        var response = await client.DeleteAsync($"{Keys}/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        await keyClient.GetAsync("/api/v1/clients").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
        var revoked = await client.GetAsync($"{Keys}/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("revoked", revoked.GetProperty("status").GetString());
        Assert.False(revoked.IsNull("revokedAt"));
    }

    [Fact]
    public async Task RevokeKey_Twice_409()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();

        await client.DeleteAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.NoContent);
        var problem = await client.DeleteAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.Conflict);

        Assert.False(string.IsNullOrEmpty(problem.GetProperty("code").GetString()));
        Assert.DoesNotContain(target.Secret, problem.GetRawText());
    }

    [Fact]
    public async Task UpdateKey_Revoked_409()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();
        await client.DeleteAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.NoContent);

        var response = await client.PatchAsync($"{Keys}/{target.Id}", new { name = "revived" });

        await response.ExpectAsync(HttpStatusCode.Conflict);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RevokeKey_Itself_204AndItStopsWorking()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);

        await client.DeleteAsync($"{Keys}/{admin.Id}").ExpectAsync(HttpStatusCode.NoContent);

        await client.GetAsync(Keys).ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
    }

    [Fact]
    public async Task RotateKey_WithOverlap_NewSecretSameScopesLinkedAndOldExpiresLater()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var expires = DateTimeOffset.UtcNow.AddDays(30);
        var old = await CreateAsync(client, new
        {
            name = AppFactory.UniqueName("rotating"), scopes = new[] { "clients:read", "jobs:write" }, expiresAt = expires,
            rateLimit = new { requestsPerMinute = 100 },
        });
        var oldId = old.GetProperty("id").GetString()!;
        var oldSecret = old.GetProperty("key").GetString()!;

        var before = DateTime.UtcNow;
        var response = await client.PostAsync($"{Keys}/{oldId}/rotate", Http.Json(new { oldKeyExpiresInHours = 2 }));
        var rotated = await response.ExpectAsync(HttpStatusCode.Created);

        var newId = rotated.GetProperty("id").GetString()!;
        var newSecret = rotated.GetProperty("key").GetString()!;
        Assert.NotEqual(oldId, newId);
        Assert.Equal($"/api/v1/api-keys/{newId}", response.Headers.Location?.OriginalString);
        Assert.True(ApiKeySecret.IsWellFormed(newSecret));
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(["clients:read", "jobs:write"], rotated.GetProperty("scopes").Strings());
        Assert.Equal(100, rotated.GetProperty("rateLimit").GetProperty("requestsPerMinute").GetInt32());
        Assert.Equal(old.GetProperty("name").GetString(), rotated.GetProperty("name").GetString());
        Assert.Equal(oldId, rotated.GetProperty("replacesKeyId").GetString());
        Assert.True(rotated.GetProperty("expiresAt").GetDateTime().ToUniversalTime() > DateTime.UtcNow.AddDays(29), "A fresh expiry, not the old one's.");

        var oldNow = await client.GetAsync($"{Keys}/{oldId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(newId, oldNow.GetProperty("replacedByKeyId").GetString());
        var oldExpiry = oldNow.GetProperty("expiresAt").GetDateTime().ToUniversalTime();
        Assert.InRange(oldExpiry, before.AddHours(2).AddSeconds(-1), DateTime.UtcNow.AddHours(2).AddSeconds(1));

        using var newClient = app.CreateClient(newSecret);
        await newClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
        using var oldClient = app.CreateClient(oldSecret);
        await oldClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RotateKey_Twice_409()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();

        await client.PostAsync($"{Keys}/{target.Id}/rotate", null).ExpectAsync(HttpStatusCode.Created);
        var response = await client.PostAsync($"{Keys}/{target.Id}/rotate", null);

        await response.ExpectAsync(HttpStatusCode.Conflict);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RotateKey_NoBody_201AndOldKeyKeepsItsExpiry()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();

        var rotated = await client.PostAsync($"{Keys}/{target.Id}/rotate", null).ExpectAsync(HttpStatusCode.Created);

        Assert.True(rotated.IsNull("expiresAt"), "The old key had no expiry, so neither has its replacement.");
        var old = await client.GetAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(old.IsNull("expiresAt"));
        using var oldClient = app.CreateClient(target.Secret);
        await oldClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RotateKey_ZeroHoursOverlap_OldKeyExpiresOnTheNextRequest()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();
        using var oldClient = app.CreateClient(target.Secret);
        await oldClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        var rotated = await client.PostAsync($"{Keys}/{target.Id}/rotate", Http.Json(new { oldKeyExpiresInHours = 0 }))
            .ExpectAsync(HttpStatusCode.Created);

        await oldClient.GetAsync("/api/v1/clients").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_expired");
        using var newClient = app.CreateClient(rotated.GetProperty("key").GetString()!);
        await newClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(721)]
    public async Task RotateKey_OverlapOutOfRange_400(int hours)
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();

        var problem = await client.PostAsync($"{Keys}/{target.Id}/rotate", Http.Json(new { oldKeyExpiresInHours = hours }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty("oldKeyExpiresInHours", out _));
        var old = await client.GetAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(old.IsNull("replacedByKeyId"));
    }

    [Fact]
    public async Task Activity_AfterRequests_ListsThemWithMethodPathStatusIpAndUserAgent()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync(scopes: ["clients:read"]);
        using var targetClient = app.CreateClient(target.Secret);
        var userAgent = AppFactory.UniqueName("activity-agent");
        targetClient.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue(userAgent, "1.0"));
        await targetClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        await targetClient.GetAsync("/api/v1/clients?limit=2").ExpectAsync(HttpStatusCode.OK);
        await targetClient.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.Forbidden);

        JsonElement[] entries = [];
        await Http.EventuallyAsync(async () =>
        {
            var page = await client.GetAsync($"{Keys}/{target.Id}/activity?hours=48").ExpectAsync(HttpStatusCode.OK);
            entries = [.. page.GetProperty("data").EnumerateArray()];
            return entries.Length >= 3;
        }, TimeSpan.FromSeconds(5), "three requests in the key's activity");

        Assert.Equal(3, entries.Length);
        Assert.All(entries, e =>
        {
            Assert.Equal("GET", e.GetProperty("method").GetString());
            Assert.True(IPAddress.IsLoopback(IPAddress.Parse(e.GetProperty("ip").GetString()!)));
            Assert.Equal($"{userAgent}/1.0", e.GetProperty("userAgent").GetString());
            Assert.True(e.GetProperty("at").GetDateTime().ToUniversalTime() > DateTime.UtcNow.AddMinutes(-5));
        });
        var byPath = entries.ToDictionary(e => e.GetProperty("path").GetString()!, e => e.GetProperty("status").GetInt32());
        Assert.Equal(200, byPath["/api/v1/company-info"]);
        Assert.Equal(200, byPath["/api/v1/clients"]);
        Assert.Equal(403, byPath["/api/v1/jobs"]);
        Assert.DoesNotContain(target.Secret, string.Join("", entries.Select(e => e.GetRawText())));
    }

    [Theory]
    [InlineData("hours=0")]
    [InlineData("hours=721")]
    [InlineData("hours=-5")]
    [InlineData("hours=abc")]
    [InlineData("limit=0")]
    [InlineData("cursor=not-a-cursor")]
    public async Task Activity_InvalidQuery_400ValidationFailed(string query)
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);

        var problem = await client.GetAsync($"{Keys}/{admin.Id}/activity?{query}").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.Equal(JsonValueKind.Object, problem.GetProperty("errors").ValueKind);
    }

    private static IEnumerable<string> AllStrings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => AllStrings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(AllStrings),
        _ => [],
    };
}
