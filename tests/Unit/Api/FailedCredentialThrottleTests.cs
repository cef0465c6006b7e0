using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Tests.Unit.Domain;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// More failed credentials than RateLimits:FailedCredentialsPerMinute from one address in a minute are answered 429
/// without being checked, until the minute ends; keys the server already knows keep working from that address; and a
/// flood of bad keys costs no log line per request, only a summary once a minute.
/// </summary>
public class FailedCredentialThrottleTests
{
    private const string CompanyInfo = "/api/v1/company-info";

    private static AppFactory App(int perMinute, ManualTimeProvider? clock = null)
    {
        var app = new AppFactory { Clock = clock };
        app.Settings["RateLimits:FailedCredentialsPerMinute"] = perMinute.ToString();
        return app;
    }

    /// <summary>A string that is not a key (no valid checksum), different each time.</summary>
    private static string BadKey() => "fc_live_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Throttle_OverTheLimit_429WithRetryAfterUntilTheMinuteEnds()
    {
        var clock = ManualTimeProvider.AtSecond10OfThisMinute();
        using var app = App(5, clock);
        for (var i = 0; i < 5; i++)
        {
            using var bad = app.CreateClient(BadKey());
            await bad.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        }

        using var sixth = app.CreateClient(ApiKeySecret.Generate(), KeyHeader.XApiKey);
        var refused = await sixth.GetAsync(CompanyInfo);
        await refused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "too_many_failed_credentials");
        Assert.Equal(TimeSpan.FromSeconds(50), refused.Headers.RetryAfter?.Delta);
        Assert.Empty(refused.Headers.WwwAuthenticate);

        clock.Advance(TimeSpan.FromSeconds(49));
        using var still = app.CreateClient(BadKey());
        var stillRefused = await still.GetAsync(CompanyInfo);
        await stillRefused.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "too_many_failed_credentials");
        Assert.Equal(TimeSpan.FromSeconds(1), stillRefused.Headers.RetryAfter?.Delta);

        // Waiting out Retry-After: credentials are checked again.
        clock.Advance(TimeSpan.FromSeconds(1));
        using var after = app.CreateClient(BadKey());
        await after.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Throttle_KeyHeaderSentTwice_CountsAsAFailure()
    {
        using var app = App(2, ManualTimeProvider.AtSecond10OfThisMinute());
        var key = await app.CreateKeyAsync();
        using var once = app.CreateClient(key.Secret);
        await once.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        using var twice = app.CreateClient();
        // HttpClient folds the two values into one line, "key, key": refused the same way as two lines.
        twice.DefaultRequestHeaders.TryAddWithoutValidation("X-Api-Key", [key.Secret, key.Secret]);

        await twice.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "ambiguous_credential");
        await twice.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "ambiguous_credential");
        await twice.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "too_many_failed_credentials");

        // The key itself, sent once, still works from the throttled address.
        await once.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Throttle_ParallelFailures_NeverMoreThanTheLimitOf401s()
    {
        using var app = App(10, ManualTimeProvider.AtSecond10OfThisMinute());
        var statuses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var client = app.CreateClient(BadKey());
            return (await client.GetAsync(CompanyInfo)).StatusCode;
        }));
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(30, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Throttle_KnownKeyFromTheThrottledAddress_KeepsWorking()
    {
        using var app = App(3, ManualTimeProvider.AtSecond10OfThisMinute());
        var key = await app.CreateKeyAsync(scopes: ["*"]);
        var createdHere = await app.CreateKeyAsync();
        // Both headers, each on its own connection, so the key is recognised from its digest, not the connection.
        using (var first = app.CreateClient(key.Secret)) await first.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        // A key written to the database by someone else (the command line, another instance) after this server last looked.
        var (outside, outsideSecret) = ApiKey.Create(key.CompanyId, key.BranchId, new NewApiKey(AppFactory.UniqueName(), ["clients:read"], null, null),
            Actor.Operator("tests"), DateTime.UtcNow);
        await app.SaveKeyAsync(outside);

        for (var i = 0; i < 4; i++)
        {
            using var bad = app.CreateClient(BadKey());
            await bad.GetAsync(CompanyInfo);
        }
        using (var bad = app.CreateClient(BadKey()))
            await bad.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "too_many_failed_credentials");

        using (var bearer = app.CreateClient(key.Secret)) await bearer.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        using (var header = app.CreateClient(key.Secret, KeyHeader.XApiKey)) await header.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        // Edited through this server (which evicts it from the cache): still known, still checked.
        using (var edit = app.CreateClient(key.Secret, KeyHeader.XApiKey))
            await edit.PatchAsync($"/api/v1/api-keys/{key.Id}", new { name = AppFactory.UniqueName("renamed") }).ExpectAsync(HttpStatusCode.OK);
        using (var afterEdit = app.CreateClient(key.Secret)) await afterEdit.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        // Created by this server and never used: known from its creation.
        using (var fresh = app.CreateClient(createdHere.Secret)) await fresh.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        // A key this server has not seen yet waits like any unchecked credential: telling it apart would mean a lookup.
        using (var unseen = app.CreateClient(outsideSecret))
            await unseen.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "too_many_failed_credentials");
        // No credential at all is not a failed credential: the usual 401 says what to send.
        using (var none = app.CreateClient())
            await none.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "missing_credentials");
    }

    [Fact]
    public async Task Throttle_Off_EveryFailureIsA401()
    {
        using var app = App(0);
        for (var i = 0; i < 80; i++)
        {
            using var bad = app.CreateClient(i % 2 == 0 ? BadKey() : ApiKeySecret.Generate());
            await bad.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        }
    }

    [Fact]
    public async Task Logs_ThousandBadKeyFlood_OnlyOneSummaryLine()
    {
        var clock = ManualTimeProvider.AtSecond10OfThisMinute();
        using var app = new AppFactory { Clock = clock };
        // The shipped levels (Microsoft.AspNetCore at Warning), except that the authentication handlers' Information
        // lines are let through, so "AuthenticationScheme: ApiKey was challenged." would show if it were still written.
        app.Settings["Logging:LogLevel:Microsoft.AspNetCore.Authentication"] = "Information";
        using (var warmUp = app.CreateClient()) await warmUp.GetAsync("/health");
        var before = Lines(app).Count;

        var answers = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            using var client = app.CreateClient(i % 2 == 0 ? BadKey() : ApiKeySecret.Generate(), i % 3 == 0 ? KeyHeader.XApiKey : KeyHeader.Bearer);
            answers.Add((await client.GetAsync(CompanyInfo)).StatusCode);
        });
        Assert.Equal(60, answers.Count(s => s == HttpStatusCode.Unauthorized)); // the shipped limit
        // No credential at all: the endpoint's policy challenges, which must not log either.
        for (var i = 0; i < 20; i++)
        {
            using var none = app.CreateClient();
            await none.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "missing_credentials");
        }
        // Kestrel may warn about a slow heartbeat on a loaded machine: that is not a line per failed request.
        var during = Lines(app).Skip(before).Where(line => !line.Contains("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal)).ToList();
        Assert.True(during.Count <= 2, "log lines during the flood:\n" + string.Join("\n", during));
        Assert.DoesNotContain(app.Logs.Entries, line => line.Contains("was challenged", StringComparison.Ordinal));

        // The next minute's first failure closes this one: one Warning with the codes and the address.
        clock.Advance(TimeSpan.FromMinutes(1));
        using (var next = app.CreateClient(BadKey())) await next.GetAsync(CompanyInfo);
        var summary = Assert.Single(Lines(app).Skip(before), line => line.Contains("Failed API credentials", StringComparison.Ordinal));
        Assert.True(summary.StartsWith("Warning", StringComparison.Ordinal) && summary.Contains("127.0.0.1 1000", StringComparison.Ordinal), summary);
        Assert.Contains("invalid_key 60", summary);
        Assert.Contains("too_many_failed_credentials 940", summary);
    }

    // Lines the app wrote at Information or above (scopes are not lines).
    private static List<string> Lines(AppFactory app) => app.Logs.Entries
        .Where(e => e.StartsWith("Information", StringComparison.Ordinal) || e.StartsWith("Warning", StringComparison.Ordinal)
                    || e.StartsWith("Error", StringComparison.Ordinal) || e.StartsWith("Critical", StringComparison.Ordinal))
        .ToList();
}
