using System.Data.Common;
using System.Net;
using System.Text;
using System.Text.Json;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Data;
using FieldCamp.Web.Idempotency;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// <c>Idempotency-Key</c> on API writes, through the real pipeline: a retried write runs once, its answer is replayed,
/// misuse is refused, a refused request gives its key back, and a key's secret is never kept.
/// </summary>
public class IdempotencyTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Keys = "/api/v1/api-keys";
    private const string Clients = "/api/v1/clients";
    private const string Header = "Idempotency-Key";
    private const string Replayed = "Idempotent-Replayed";

    private Task<TestKey> WriterAsync(string company = "acme", string? branch = null) =>
        app.CreateKeyAsync(company, branch, ["clients:write", "api-keys:manage"], AppFactory.UniqueName("writer"));

    private static HttpRequestMessage Request(HttpMethod method, string path, string? idempotencyKey, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Http.Json(body) };
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation(Header, idempotencyKey);
        return request;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string? idempotencyKey, object body) =>
        client.SendAsync(Request(HttpMethod.Post, path, idempotencyKey, body));

    private static string NewKey() => Guid.NewGuid().ToString();

    private static bool WasReplayed(HttpResponseMessage response) =>
        response.Headers.TryGetValues(Replayed, out var values) && values.Single() == "true";

    [Fact]
    public async Task Post_SameKeyAndBody_ReplaysStatusLocationAndBodyWithoutRunningAgain()
    {
        var writer = await WriterAsync();
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();
        var body = new { name = AppFactory.UniqueName("client") };

        var first = await PostAsync(client, Clients, key, body);
        var firstText = await first.Content.ReadAsStringAsync();
        var second = await PostAsync(client, Clients, key, body);
        var secondText = await second.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(first.Headers.Contains(Replayed));
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.True(WasReplayed(second));
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(first.Content.Headers.ContentType?.ToString(), second.Content.Headers.ContentType?.ToString());
        Assert.Equal(firstText, secondText);
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.Clients.CountAsync(c => c.Name == body.name));
    }

    [Fact]
    public async Task Post_WithoutTheHeader_RunsEveryTimeAndKeepsNothing()
    {
        var writer = await WriterAsync();
        using var client = app.CreateClient(writer.Secret);
        var body = new { name = AppFactory.UniqueName("client") };

        await PostAsync(client, Clients, null, body).ExpectAsync(HttpStatusCode.Created);
        await PostAsync(client, Clients, null, body).ExpectAsync(HttpStatusCode.Created);

        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(2, await db.Clients.CountAsync(c => c.Name == body.name));
        Assert.False(await db.IdempotencyRecords.AnyAsync(r => r.Scope == $"key:{writer.Id}"));
    }

    [Fact]
    public async Task CreateKey_Replayed_SameMetadataWithKeyNullAndTheSecretInNoColumn()
    {
        var writer = await WriterAsync();
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();
        var body = new { name = AppFactory.UniqueName("deploy"), scopes = new[] { "clients:read" } };

        var first = await PostAsync(client, Keys, key, body);
        var created = await first.ExpectAsync(HttpStatusCode.Created);
        var second = await PostAsync(client, Keys, key, body);
        var replayed = await second.ExpectAsync(HttpStatusCode.Created);

        var secret = created.GetProperty("key").GetString()!;
        Assert.StartsWith("fc_live_", secret);
        Assert.True(WasReplayed(second));
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(JsonValueKind.Null, replayed.GetProperty("key").ValueKind);
        Assert.Equal(WithoutKey(created), WithoutKey(replayed));
        await using (var db = await app.CreateDbContextAsync())
            Assert.Equal(1, await db.ApiKeys.CountAsync(k => k.Name == body.name));
        await AssertNowhereInDatabaseAsync(secret);
    }

    [Fact]
    public async Task RotateKey_Replayed_SameReplacementWithKeyNullAndOneRotation()
    {
        var writer = await WriterAsync();
        var old = await app.CreateKeyAsync(scopes: ["clients:read"]);
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();

        var rotated = await PostAsync(client, $"{Keys}/{old.Id}/rotate", key, new { oldKeyExpiresInHours = 24 }).ExpectAsync(HttpStatusCode.Created);
        var second = await PostAsync(client, $"{Keys}/{old.Id}/rotate", key, new { oldKeyExpiresInHours = 24 });
        var replayed = await second.ExpectAsync(HttpStatusCode.Created);

        Assert.True(WasReplayed(second));
        Assert.Equal(rotated.GetProperty("id").GetString(), replayed.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, replayed.GetProperty("key").ValueKind);
        Assert.Equal(WithoutKey(rotated), WithoutKey(replayed));
        await using (var db = await app.CreateDbContextAsync())
            Assert.Equal(1, await db.ApiKeys.CountAsync(k => k.ReplacesKeyId == old.Id));
        await AssertNowhereInDatabaseAsync(rotated.GetProperty("key").GetString()!);
    }

    [Fact]
    public async Task SameKey_DifferentBody_422ReusedAndNothingRuns()
    {
        var writer = await WriterAsync();
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();
        var other = AppFactory.UniqueName("client");
        await PostAsync(client, Clients, key, new { name = AppFactory.UniqueName("client") }).ExpectAsync(HttpStatusCode.Created);

        var problem = await PostAsync(client, Clients, key, new { name = other })
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        Assert.Contains("Idempotency-Key", problem.GetProperty("detail").GetString());
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.Clients.AnyAsync(c => c.Name == other));
    }

    [Fact]
    public async Task SameKey_DifferentPath_422Reused()
    {
        var writer = await WriterAsync();
        var (first, second) = (await app.CreateKeyAsync(), await app.CreateKeyAsync());
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();
        var rename = new { name = AppFactory.UniqueName("renamed") };
        await client.SendAsync(Request(HttpMethod.Patch, $"{Keys}/{first.Id}", key, rename)).ExpectAsync(HttpStatusCode.OK);

        await client.SendAsync(Request(HttpMethod.Patch, $"{Keys}/{second.Id}", key, rename))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(second.Name, await db.ApiKeys.Where(k => k.Id == second.Id).Select(k => k.Name).SingleAsync());
    }

    [Fact]
    public async Task SameKey_DifferentMethod_422ReusedAndTheKeyIsNotRevoked()
    {
        var writer = await WriterAsync();
        var target = await app.CreateKeyAsync();
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();
        await client.SendAsync(Request(HttpMethod.Patch, $"{Keys}/{target.Id}", key, new { name = AppFactory.UniqueName() }))
            .ExpectAsync(HttpStatusCode.OK);

        await client.SendAsync(Request(HttpMethod.Delete, $"{Keys}/{target.Id}", key))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");

        await using var db = await app.CreateDbContextAsync();
        Assert.Null(await db.ApiKeys.Where(k => k.Id == target.Id).Select(k => k.RevokedAt).SingleAsync());
    }

    [Fact]
    public async Task Delete_Retried_Replays204InsteadOf404()
    {
        var writer = await WriterAsync();
        var target = await app.CreateKeyAsync();
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();

        await client.SendAsync(Request(HttpMethod.Delete, $"{Keys}/{target.Id}", key)).ExpectAsync(HttpStatusCode.NoContent);
        var again = await client.SendAsync(Request(HttpMethod.Delete, $"{Keys}/{target.Id}", key));

        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.True(WasReplayed(again));
    }

    [Fact]
    public async Task ValidationFailure_NotKept_SameKeyWithAFixedBodySucceeds()
    {
        var writer = await WriterAsync();
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();

        await PostAsync(client, Keys, key, new { name = "", scopes = new[] { "clients:read" } })
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var fixedName = AppFactory.UniqueName("fixed");
        var created = await PostAsync(client, Keys, key, new { name = fixedName, scopes = new[] { "clients:read" } });

        await created.ExpectAsync(HttpStatusCode.Created);
        Assert.False(created.Headers.Contains(Replayed));
    }

    [Fact]
    public async Task ScopeRefusedByTheEndpoint_NotKept_SameKeyWithinScopeSucceeds()
    {
        var writer = await WriterAsync(); // may not grant jobs:write, which it lacks itself
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();

        await PostAsync(client, Keys, key, new { name = AppFactory.UniqueName(), scopes = new[] { "jobs:write" } })
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await PostAsync(client, Keys, key, new { name = AppFactory.UniqueName(), scopes = new[] { "clients:write" } })
            .ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task ScopeRefusedByAuthorization_NeverClaimsTheKey()
    {
        var reader = await app.CreateKeyAsync(scopes: ["clients:read"]);
        using var client = app.CreateClient(reader.Secret);
        var key = NewKey();

        await PostAsync(client, Clients, key, new { name = AppFactory.UniqueName() })
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.IdempotencyRecords.AnyAsync(r => r.Key == key));
    }

    [Fact]
    public async Task InvalidKey_401_NotKept_SameIdempotencyKeyWithTheRightSecretRuns()
    {
        var writer = await WriterAsync();
        var mistyped = writer.Secret[..^1] + (writer.Secret[^1] == 'x' ? 'y' : 'x');
        using var typo = app.CreateClient(mistyped);
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();
        var body = new { name = AppFactory.UniqueName("client") };

        await PostAsync(typo, Clients, key, body).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        var retried = await PostAsync(client, Clients, key, body);
        var again = await PostAsync(client, Clients, key, body);

        await retried.ExpectAsync(HttpStatusCode.Created);
        Assert.False(retried.Headers.Contains(Replayed));
        // The run that did happen is the one kept.
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.True(WasReplayed(again));
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.Clients.CountAsync(c => c.Name == body.name));
    }

    [Fact]
    public async Task ExpiredLegacyToken_401_NotKept_AValidTokenOfTheSameBranchRuns()
    {
        // A legacy token's Idempotency-Keys belong to its company's branch: the expired token and the valid one share them.
        using var expired = app.CreateClient(LegacyTokens.Create(new() { ["company"] = "acme" }, expires: DateTime.UtcNow.AddHours(-1)));
        using var valid = app.CreateClient(LegacyTokens.Create(new() { ["company"] = "acme" }));
        var key = NewKey();
        var body = new { name = AppFactory.UniqueName("client") };

        await PostAsync(expired, Clients, key, body).ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_expired");
        var retried = await PostAsync(valid, Clients, key, body);

        await retried.ExpectAsync(HttpStatusCode.Created);
        Assert.False(retried.Headers.Contains(Replayed));
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.Clients.CountAsync(c => c.Name == body.name));
    }

    [Fact]
    public async Task TwoApiKeys_SameIdempotencyKey_AreIndependent()
    {
        var (first, second) = (await WriterAsync(), await WriterAsync());
        using var firstClient = app.CreateClient(first.Secret);
        using var secondClient = app.CreateClient(second.Secret);
        var key = NewKey();
        var body = new { name = AppFactory.UniqueName("client") };

        var a = await PostAsync(firstClient, Clients, key, body).ExpectAsync(HttpStatusCode.Created);
        var response = await PostAsync(secondClient, Clients, key, body);
        var b = await response.ExpectAsync(HttpStatusCode.Created);

        Assert.False(response.Headers.Contains(Replayed));
        Assert.NotEqual(a.GetProperty("id").GetString(), b.GetProperty("id").GetString());
    }

    [Fact]
    public async Task LegacyToken_SameKey_ReplaysWithinItsBranchOnly()
    {
        using var north = app.CreateClient(LegacyTokens.Create(new() { ["company"] = "acme" }));
        using var south = app.CreateClient(LegacyTokens.Create(new() { ["company"] = "acme", ["branch"] = "South" }));
        var key = NewKey();
        var body = new { name = AppFactory.UniqueName("client") };

        await PostAsync(north, Clients, key, body).ExpectAsync(HttpStatusCode.Created);
        var again = await PostAsync(north, Clients, key, body);
        var elsewhere = await PostAsync(south, Clients, key, body);

        Assert.True(WasReplayed(again));
        Assert.Equal(HttpStatusCode.Created, elsewhere.StatusCode);
        Assert.False(elsewhere.Headers.Contains(Replayed));
    }

    [Fact]
    public async Task QuotedForm_IsTheSameKeyAsTheBareOne()
    {
        var writer = await WriterAsync();
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();
        var body = new { name = AppFactory.UniqueName("client") };

        await PostAsync(client, Clients, $"\"{key}\"", body).ExpectAsync(HttpStatusCode.Created);
        var bare = await PostAsync(client, Clients, key, body);

        Assert.True(WasReplayed(bare));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\"\"")]
    [InlineData("\"unterminated")]
    [InlineData("\"in\"side\"")]
    [InlineData("tab\tinside")]
    public async Task BadHeader_400NamingTheHeaderAndNothingRuns(string value)
    {
        var writer = await WriterAsync();
        using var client = app.CreateClient(writer.Secret);
        var name = AppFactory.UniqueName("client");

        var problem = await PostAsync(client, Clients, value, new { name })
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty(Header, out _), problem.ToString());
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.Clients.AnyAsync(c => c.Name == name));
    }

    [Fact]
    public async Task Header_255CharactersAccepted_256OrTwoHeaders400()
    {
        var writer = await WriterAsync();
        using var client = app.CreateClient(writer.Secret);
        var longest = $"{Guid.NewGuid():N}{new string('~', 255 - 32)}";

        await PostAsync(client, Clients, longest, new { name = AppFactory.UniqueName() }).ExpectAsync(HttpStatusCode.Created);
        await PostAsync(client, Clients, longest + "~", new { name = AppFactory.UniqueName() })
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var twice = Request(HttpMethod.Post, Clients, NewKey(), new { name = AppFactory.UniqueName() });
        twice.Headers.TryAddWithoutValidation(Header, NewKey());
        await client.SendAsync(twice).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task TwentyParallelCreates_OneKeyCreated_OthersReplayedOr409()
    {
        var writer = await WriterAsync();
        using var client = app.CreateClient(writer.Secret);
        var key = NewKey();
        var name = AppFactory.UniqueName("raced");
        var body = new { name, scopes = new[] { "clients:read" } };

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostAsync(client, Keys, key, body)));

        await using (var db = await app.CreateDbContextAsync())
            Assert.Equal(1, await db.ApiKeys.CountAsync(k => k.Name == name));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        var original = Assert.Single(created, r => !WasReplayed(r));
        Assert.All(created, r => Assert.Equal(original.Headers.Location, r.Headers.Location));
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            await conflict.ExpectProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_flight");
    }

    /// <summary>Compares a key's response without its <c>key</c> property.</summary>
    private static string WithoutKey(JsonElement response) =>
        JsonSerializer.Serialize(response.EnumerateObject().Where(p => p.Name != "key").ToDictionary(p => p.Name, p => p.Value));

    /// <summary>
    /// The secret is in no table; on SQLite, in no index or write-ahead log page either: the database files' bytes
    /// never hold it.
    /// </summary>
    private async Task AssertNowhereInDatabaseAsync(string secret)
    {
        Assert.DoesNotContain(secret, await app.StoredTextAsync());
        var needle = Encoding.UTF8.GetBytes(secret);
        foreach (var path in new[] { app.DatabasePath, app.DatabasePath + "-wal" }.Where(File.Exists))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            file.CopyTo(copy);
            Assert.True(copy.GetBuffer().AsSpan(0, (int)copy.Length).IndexOf(needle) < 0, $"The secret is in {Path.GetFileName(path)}.");
        }
    }
}

/// <summary>Idempotency rules that need an app of their own: a held or failing write, a moved clock, a smaller body limit.</summary>
public class IdempotencyTimingTests
{
    private const string Clients = "/api/v1/clients";

    private static HttpRequestMessage Post(string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Clients) { Content = Http.Json(body) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return request;
    }

    [Fact]
    public async Task SameKey_WhileTheFirstStillRuns_409InFlightThenReplay()
    {
        var hold = new HeldClientSave();
        using var app = new AppFactory { DbInterceptors = { hold } };
        var writer = await app.CreateKeyAsync(scopes: ["clients:write"]);
        using var client = app.CreateClient(writer.Secret);
        var body = new { name = AppFactory.UniqueName("client") };
        var key = Guid.NewGuid().ToString();
        hold.Armed = true;

        var first = client.SendAsync(Post(key, body));
        await hold.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        var during = await client.SendAsync(Post(key, body));
        hold.Release();
        var created = await (await first).ExpectAsync(HttpStatusCode.Created);
        var after = await client.SendAsync(Post(key, body));

        await during.ExpectProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_flight");
        Assert.Equal("1", during.Headers.RetryAfter?.ToString());
        var replayed = await after.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("true", after.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(created.GetProperty("id").GetString(), replayed.GetProperty("id").GetString());
    }

    [Fact]
    public async Task ServerError_NotKept_SameKeyRunsAgain()
    {
        var failOnce = new FailingCommand("INSERT INTO \"Clients\"");
        using var app = new AppFactory { DbInterceptors = { failOnce } };
        var writer = await app.CreateKeyAsync(scopes: ["clients:write"]);
        using var client = app.CreateClient(writer.Secret);
        var body = new { name = AppFactory.UniqueName("client") };
        var key = Guid.NewGuid().ToString();
        failOnce.Armed = true;

        var failed = await client.SendAsync(Post(key, body));
        var retried = await client.SendAsync(Post(key, body));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        await retried.ExpectAsync(HttpStatusCode.Created);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task RateLimited_429_NotKept_SameKeyAfterRetryAfterRuns()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 17, TimeSpan.Zero));
        using var app = new AppFactory { Clock = clock };
        var writer = await app.CreateKeyAsync(scopes: ["clients:write"], rateLimit: 1);
        using var client = app.CreateClient(writer.Secret);
        var body = new { name = AppFactory.UniqueName("client") };
        var key = Guid.NewGuid().ToString();
        // The minute's one request, without the header.
        await client.PostAsync(Clients, Http.Json(new { name = AppFactory.UniqueName("client") })).ExpectAsync(HttpStatusCode.Created);

        var refused = await client.SendAsync(Post(key, body));
        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        clock.Advance(refused.Headers.RetryAfter!.Delta!.Value);
        var retried = await client.SendAsync(Post(key, body));

        await retried.ExpectAsync(HttpStatusCode.Created);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.Clients.CountAsync(c => c.Name == body.name));
    }

    [Fact]
    public async Task AbandonedClaim_OlderThanAMinute_IsTakenOver_AFreshOneAnswers409()
    {
        using var app = new AppFactory();
        var writer = await app.CreateKeyAsync(scopes: ["clients:write"]);
        using var client = app.CreateClient(writer.Secret);
        var body = $$"""{"name":"{{AppFactory.UniqueName("client")}}"}""";
        var fingerprint = IdempotencyMiddleware.Fingerprint("POST", Clients, Encoding.UTF8.GetBytes(body));
        var (abandoned, running) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        // The same request claimed by a process that died mid-request two minutes ago, and by one still running.
        await using (var db = await app.CreateDbContextAsync())
        {
            var now = DateTime.UtcNow;
            db.IdempotencyRecords.AddRange(
                new IdempotencyRecord { Scope = $"key:{writer.Id}", Key = abandoned, Fingerprint = fingerprint, ClaimId = "dead", ClaimedAt = now.AddMinutes(-2) },
                new IdempotencyRecord { Scope = $"key:{writer.Id}", Key = running, Fingerprint = fingerprint, ClaimId = "alive", ClaimedAt = now });
            await db.SaveChangesAsync();
        }

        var takenOver = await client.SendAsync(Raw(abandoned, body));
        var stillRunning = await client.SendAsync(Raw(running, body));

        await takenOver.ExpectAsync(HttpStatusCode.Created);
        Assert.False(takenOver.Headers.Contains("Idempotent-Replayed"));
        await stillRunning.ExpectProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_flight");
    }

    private static HttpRequestMessage Raw(string key, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Clients) { Content = Http.RawJson(json) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return request;
    }

    [Fact]
    public async Task After24Hours_TheKeyIsPrunedAndFreeAgain()
    {
        var clock = new ShiftedClock();
        using var app = new AppFactory { Clock = clock };
        var writer = await app.CreateKeyAsync(scopes: ["clients:write"]);
        using var client = app.CreateClient(writer.Secret);
        var key = Guid.NewGuid().ToString();
        await client.SendAsync(Post(key, new { name = AppFactory.UniqueName("client") })).ExpectAsync(HttpStatusCode.Created);
        var pruning = app.Services.GetRequiredService<IdempotencyPruning>();

        clock.Advance(TimeSpan.FromHours(23));
        var keptAt23Hours = await pruning.RunOnceAsync();
        await client.SendAsync(Post(key, new { name = AppFactory.UniqueName("other") }))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        clock.Advance(TimeSpan.FromHours(1.5));
        var pruned = await pruning.RunOnceAsync();

        Assert.Equal(0, keptAt23Hours);
        Assert.Equal(1, pruned);
        await using (var db = await app.CreateDbContextAsync())
            Assert.False(await db.IdempotencyRecords.AnyAsync(r => r.Key == key));
        await client.SendAsync(Post(key, new { name = AppFactory.UniqueName("other") })).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task BodyOverTheApiLimit_413WithoutRunning()
    {
        using var app = new AppFactory { Settings = { ["Api:MaxBodyBytes"] = "1000" } };
        var writer = await app.CreateKeyAsync(scopes: ["clients:write"]);
        using var client = app.CreateClient(writer.Secret);
        var name = new string('x', 2000);

        await client.SendAsync(Post(Guid.NewGuid().ToString(), new { name })).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.Clients.AnyAsync(c => c.Name == name));
    }

    /// <summary>
    /// Holds the first save that adds a client until <see cref="Release"/>. It holds before the save's transaction
    /// begins: a held command inside it would keep SQLite's write lock and stall the request it races.
    /// </summary>
    private sealed class HeldClientSave : SaveChangesInterceptor
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _held;

        /// <summary>Set once the app has started: the demo seeding inserts clients too.</summary>
        public bool Armed { get; set; }

        public Task Reached => _reached.Task;

        public void Release() => _released.TrySetResult();

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            var addsClient = eventData.Context!.ChangeTracker.Entries<Client>().Any(e => e.State == EntityState.Added);
            if (Armed && addsClient && Interlocked.Exchange(ref _held, 1) == 0)
            {
                _reached.TrySetResult();
                await _released.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
            return result;
        }
    }

    /// <summary>Fails the first command containing <c>fragment</c>, as a database that went away for a moment would.</summary>
    private sealed class FailingCommand(string fragment) : DbCommandInterceptor
    {
        private int _failed;

        /// <summary>Set once the app has started: the demo seeding inserts clients too.</summary>
        public bool Armed { get; set; }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command,
            CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (Armed && command.CommandText.Contains(fragment, StringComparison.Ordinal) && Interlocked.Exchange(ref _failed, 1) == 0)
                throw new InvalidOperationException("The database went away.");
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command,
            CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (Armed && command.CommandText.Contains(fragment, StringComparison.Ordinal) && Interlocked.Exchange(ref _failed, 1) == 0)
                throw new InvalidOperationException("The database went away.");
            return ValueTask.FromResult(result);
        }
    }
}

/// <summary>What a kept response may hold: never a live key, whether or not its endpoint was marked.</summary>
public class SecretRedactionTests
{
    private static readonly RevealsSecretMetadata KeyProperty = new(["key"]);

    [Fact]
    public void Redact_MarkedProperty_BecomesNullAndTheRestStays()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"key_1","key":"anything at all","hint":"fc_live_Ab3d…x9Qz"}""");

        var kept = JsonDocument.Parse(SecretRedaction.Redact(body, "application/json; charset=utf-8", KeyProperty)!).RootElement;

        Assert.Equal(JsonValueKind.Null, kept.GetProperty("key").ValueKind);
        Assert.Equal("key_1", kept.GetProperty("id").GetString());
        Assert.Equal("fc_live_Ab3d…x9Qz", kept.GetProperty("hint").GetString());
    }

    [Fact]
    public void Redact_UnmarkedEndpointWithALiveKeyAnywhere_KeyBecomesNull()
    {
        var secret = FieldCamp.Domain.ApiKeys.ApiKeySecret.Generate();
        var body = Encoding.UTF8.GetBytes($$$"""{"data":[{"replacement":{"token":"{{{secret}}}"}}],"note":"ok"}""");

        var kept = SecretRedaction.Redact(body, "application/json", marked: null)!;

        var text = Encoding.UTF8.GetString(kept);
        Assert.DoesNotContain(secret, text);
        Assert.Contains("\"token\":null", text);
        Assert.Contains("\"note\":\"ok\"", text);
    }

    [Fact]
    public void Redact_NothingSecret_KeepsTheBytesAsTheyWere()
    {
        var body = Encoding.UTF8.GetBytes("""{ "name": "M\u00FCller" }""");

        Assert.Same(body, SecretRedaction.Redact(body, "application/json", marked: null));
    }

    [Fact]
    public void Redact_TextNamingAKeyPrefix_IsNotKept()
    {
        var body = Encoding.UTF8.GetBytes($"your key: {FieldCamp.Domain.ApiKeys.ApiKeySecret.Generate()}");

        Assert.Null(SecretRedaction.Redact(body, "text/plain", marked: null));
    }
}
