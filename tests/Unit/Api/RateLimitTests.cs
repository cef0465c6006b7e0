using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.KeyPolicies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Enforced rate limits through the real pipeline: a company's keys share one fixed window, a key with its own limit has
/// its own, every authenticated answer carries the RateLimit fields, and a refused request is a 429 with Retry-After.
/// The app's clock is a hand-moved one, 17 seconds into a minute, so the figures are exact.
/// </summary>
public sealed class RateLimitTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 10, 0, 17, TimeSpan.Zero);

    private readonly ManualTimeProvider _clock = new(Start);
    private readonly AppFactory _app;

    public RateLimitTests()
    {
        _app = new AppFactory { Clock = _clock };
        _app.Settings["RateLimits:RequestsPerMinute"] = "10";
    }

    public void Dispose() => _app.Dispose();

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    [Fact]
    public async Task EveryAuthenticatedAnswer_200_403_404_CarriesTheRateLimitFields()
    {
        var key = await _app.CreateKeyAsync(scopes: ["clients:read"]);
        using var client = _app.CreateClient(key.Secret);

        var ok = await client.GetAsync("/api/v1/company-info");
        var forbidden = await client.GetAsync("/api/v1/api-keys");
        var missing = await client.GetAsync("/api/v1/clients/cl_doesnotexist");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var remaining = 9;
        foreach (var response in new[] { ok, forbidden, missing })
        {
            Assert.Equal("\"company\";q=10;w=60", Header(response, "RateLimit-Policy"));
            Assert.Equal($"\"company\";r={remaining};t=43", Header(response, "RateLimit"));
            Assert.Equal("10", Header(response, "RateLimit-Limit"));
            Assert.Equal($"{remaining}", Header(response, "RateLimit-Remaining"));
            Assert.Equal("43", Header(response, "RateLimit-Reset"));
            remaining--;
        }
    }

    [Fact]
    public async Task AnswersTheExceptionHandlerWrites_400And403_StillCarryTheFieldsAndTheKeysExpiry()
    {
        var key = await _app.CreateKeyAsync(scopes: ["api-keys:manage"], expiresAt: Start.UtcDateTime.AddDays(30));
        using var client = _app.CreateClient(key.Secret);

        // A misspelt property fails while the body is bound; a scope the key does not hold fails in the domain. Both
        // end in the exception handler, which clears the headers before it writes the problem.
        var unknownProperty = await client.PostAsync("/api/v1/api-keys", Http.Json(new { nam = "typo" }));
        var widerScope = await client.PostAsync("/api/v1/api-keys", Http.Json(new { name = AppFactory.UniqueName(), scopes = new[] { "jobs:write" } }));

        await unknownProperty.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await widerScope.ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        var remaining = 9;
        foreach (var response in new[] { unknownProperty, widerScope })
        {
            Assert.Equal("\"company\";q=10;w=60", Header(response, "RateLimit-Policy"));
            Assert.Equal($"\"company\";r={remaining};t=43", Header(response, "RateLimit"));
            Assert.Equal($"{remaining}", Header(response, "RateLimit-Remaining"));
            Assert.Equal("2027-01-02T10:00:17Z", Header(response, "FieldCamp-Key-Expires-At"));
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            remaining--;
        }
    }

    [Fact]
    public async Task NoCredential_NoRateLimitFields()
    {
        using var client = _app.CreateClient();

        var response = await client.GetAsync("/api/v1/company-info");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("RateLimit"));
    }

    [Fact]
    public async Task TwoKeysOfOneCompany_ShareOneAllowance_Then429WithRetryAfter()
    {
        var first = await _app.CreateKeyAsync(branch: "North");
        var second = await _app.CreateKeyAsync(branch: "South");
        using var a = _app.CreateClient(first.Secret);
        using var b = _app.CreateClient(second.Secret, KeyHeader.XApiKey);

        for (var i = 0; i < 5; i++)
        {
            await a.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
            await b.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        }
        var refused = await a.GetAsync("/api/v1/company-info");

        var problem = await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal(["company"], problem.GetProperty("violatedPolicies").Strings());
        Assert.Equal("Too Many Requests", problem.GetProperty("title").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
        Assert.Equal(TimeSpan.FromSeconds(43), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("\"company\";r=0;t=43", Header(refused, "RateLimit"));
        await b.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task KeyWithItsOwnLimit_NeitherDrawsFromNorIsStarvedByTheShared()
    {
        var shared = await _app.CreateKeyAsync();
        var batch = await _app.CreateKeyAsync(rateLimit: 3);
        using var sharedClient = _app.CreateClient(shared.Secret);
        using var batchClient = _app.CreateClient(batch.Secret);

        for (var i = 0; i < 3; i++)
        {
            var admitted = await batchClient.GetAsync("/api/v1/company-info");
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
            Assert.Equal("\"key\";q=3;w=60", Header(admitted, "RateLimit-Policy"));
        }
        var refused = await batchClient.GetAsync("/api/v1/company-info");
        var problem = await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal(["key"], problem.GetProperty("violatedPolicies").Strings());

        // The batch key's three took nothing from the company's ten...
        var first = await sharedClient.GetAsync("/api/v1/company-info");
        Assert.Equal("9", Header(first, "RateLimit-Remaining"));
        for (var i = 0; i < 9; i++) await sharedClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        await sharedClient.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");

        // ...and the spent shared allowance does not hold the batch key back in the next window.
        _clock.Advance(TimeSpan.FromSeconds(43));
        await batchClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task FiftyParallelRequests_LimitOfTen_ExactlyTenAdmitted()
    {
        var key = await _app.CreateKeyAsync();
        using var client = _app.CreateClient(key.Secret);
        await client.GetAsync("/health"); // the app is up before the race starts

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetAsync("/api/v1/company-info")));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(40, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task RetryAfter_WaitedOut_Admitted_NotAMomentEarlier()
    {
        var key = await _app.CreateKeyAsync(rateLimit: 1);
        using var client = _app.CreateClient(key.Secret);
        await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        _clock.Advance(TimeSpan.FromMilliseconds(400)); // mid-second: Retry-After rounds up, never down

        var refused = await client.GetAsync("/api/v1/company-info");
        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var wait = refused.Headers.RetryAfter!.Delta!.Value;
        Assert.Equal(TimeSpan.FromSeconds(43), wait);

        _clock.Advance(wait - TimeSpan.FromSeconds(1));
        await client.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        _clock.Advance(TimeSpan.FromSeconds(1));
        var again = await client.GetAsync("/api/v1/company-info");
        await again.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("\"key\";r=0;t=60", Header(again, "RateLimit"));
    }

    [Fact]
    public async Task LegacyToken_DrawsOnItsCompanysSharedAllowance()
    {
        var key = await _app.CreateKeyAsync();
        using var keyClient = _app.CreateClient(key.Secret);
        using var jwtClient = _app.CreateClient(LegacyTokens.Create(new() { ["company"] = "acme" }));

        for (var i = 0; i < 4; i++) await keyClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        var response = await jwtClient.GetAsync("/api/v1/company-info");

        await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("\"company\";r=5;t=43", Header(response, "RateLimit"));
    }

    [Fact]
    public async Task Refused_LeavesLastUsedAlone_ButShowsInTheKeysActivity()
    {
        var admin = await _app.CreateKeyAsync(scopes: ["api-keys:manage"], rateLimit: 1000);
        var target = await _app.CreateKeyAsync(rateLimit: 1);
        using var adminClient = _app.CreateClient(admin.Secret);
        using var targetClient = _app.CreateClient(target.Secret);
        await targetClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        await Http.EventuallyAsync(async () =>
            !(await adminClient.GetAsync($"/api/v1/api-keys/{target.Id}").ExpectAsync(HttpStatusCode.OK)).IsNull("lastUsedAt"),
            TimeSpan.FromSeconds(10), "the admitted request as the key's last use");
        var usedAt = (await adminClient.GetAsync($"/api/v1/api-keys/{target.Id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("lastUsedAt").GetDateTime();

        _clock.Advance(TimeSpan.FromSeconds(5));
        await targetClient.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");

        await Http.EventuallyAsync(async () =>
        {
            var page = await adminClient.GetAsync($"/api/v1/api-keys/{target.Id}/activity").ExpectAsync(HttpStatusCode.OK);
            return page.GetProperty("data").EnumerateArray().Any(e => e.GetProperty("status").GetInt32() == 429);
        }, TimeSpan.FromSeconds(10), "the 429 in the key's activity");
        var key = await adminClient.GetAsync($"/api/v1/api-keys/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(usedAt, key.GetProperty("lastUsedAt").GetDateTime());
    }

    [Fact]
    public async Task SharedLimitChangedInTheKeyPolicy_AppliesFromTheNextRequest()
    {
        var key = await _app.CreateKeyAsync();
        using var client = _app.CreateClient(key.Secret);
        Assert.Equal("10", Header(await client.GetAsync("/api/v1/company-info"), "RateLimit-Limit"));

        await _app.SetKeyPolicyAsync(new KeyPolicySettings(DefaultRequestsPerMinute: 2));
        _app.Services.GetRequiredService<CompanyKeyPolicies>().Saved(key.CompanyId);

        var first = await client.GetAsync("/api/v1/company-info");
        Assert.Equal("\"company\";q=2;w=60", Header(first, "RateLimit-Policy"));
        await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        await client.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task Refused_TheEndpointDoesNotRun()
    {
        var key = await _app.CreateKeyAsync(scopes: ["clients:write"], rateLimit: 1);
        using var client = _app.CreateClient(key.Secret);
        var name = AppFactory.UniqueName("client");

        await client.PostAsync("/api/v1/clients", Http.Json(new { name = name + "-1" })).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsync("/api/v1/clients", Http.Json(new { name = name + "-2" }))
            .ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");

        await using var db = await _app.CreateDbContextAsync();
        Assert.Equal([name + "-1"], await db.Clients.Where(c => c.Name.StartsWith(name)).Select(c => c.Name).ToListAsync());
    }

    [Fact]
    public async Task StoreDown_CachedKeyWhoseCompanyLimitWasNeverRead_StillLimitedNot500()
    {
        var store = new StoreSwitch();
        _app.DbInterceptors.Add(store);
        var key = await _app.CreateKeyAsync();
        using var client = _app.CreateClient(key.Secret);
        await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        // The key stays cached; the company's limit is re-read once its entry is older than a minute.
        _clock.Advance(TimeSpan.FromSeconds(61));

        store.Down = true;

        var response = await client.GetAsync("/api/v1/company-info");
        await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("\"company\";q=10;w=60", Header(response, "RateLimit-Policy"));
    }
}

