using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Tests.Unit.Domain;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// The database made unreachable mid-test (every connection the app opens fails): keys the app has in memory keep
/// working, everything else is 503 service_unavailable with Retry-After, never a 401; the outage is logged once, not
/// per request; /health stays up and /health/ready tells, then recovers with the database.
/// </summary>
public class StoreDownTests
{
    private const string CompanyInfo = "/api/v1/company-info";

    [Fact]
    public async Task StoreDown_CachedKeyWorks_OthersGet503NotA401_ReadinessFollows()
    {
        var store = new StoreSwitch();
        using var app = new AppFactory { DbInterceptors = { store } };
        var cached = await app.CreateKeyAsync(scopes: ["*"]);
        var notYetUsed = await app.CreateKeyAsync(scopes: ["*"]);
        using var cachedClient = app.CreateClient(cached.Secret, KeyHeader.XApiKey);
        await cachedClient.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        using var anonymous = app.CreateClient();
        // Ready once the key digests are read after start-up (in the background).
        await Http.EventuallyAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "ready after start-up");
        var linesBefore = app.Logs.Entries.Count;

        store.Down = true;

        // Within the cache's age limits the key needs no database.
        await cachedClient.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        // A key that must be read, or an unknown one that must be looked for: the app cannot tell, so it says so.
        foreach (var secret in new[] { notYetUsed.Secret, ApiKeySecret.Generate() })
        {
            for (var i = 0; i < 20; i++)
            {
                using var client = app.CreateClient(secret);
                var response = await client.GetAsync(CompanyInfo);
                await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "service_unavailable");
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
                Assert.Empty(response.Headers.WwwAuthenticate);
            }
        }
        // An endpoint that needs the database, reached with the cached key: 503 as well, not a 500.
        var list = await cachedClient.GetAsync("/api/v1/clients");
        await list.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "service_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(5), list.Headers.RetryAfter?.Delta);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        await Http.EventuallyAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(10), "readiness reports the outage");

        // 40 refused requests, usage writes, the probes and any background round that falls in the outage (the webhook
        // engine polls every second): one report of the outage, and no line from EF per failure.
        var during = app.Logs.Entries.Skip(linesBefore)
            .Where(e => e.StartsWith("Warning", StringComparison.Ordinal) || e.StartsWith("Error", StringComparison.Ordinal)
                        || e.StartsWith("Critical", StringComparison.Ordinal))
            // The app's own lines and EF's; not, say, Kestrel's warning about a slow heartbeat on a loaded machine.
            .Where(e => e.Split(' ', 3)[1].StartsWith("FieldCamp.", StringComparison.Ordinal)
                        || e.Split(' ', 3)[1].StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal))
            .ToList();
        Assert.True(during.Count == 1 && during[0].Contains("The database could not be reached", StringComparison.Ordinal),
            "log lines during the outage:\n" + string.Join("\n", during));

        store.Down = false;

        await Http.EventuallyAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10), "readiness recovers");
        using var recovered = app.CreateClient(notYetUsed.Secret);
        await recovered.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        var recoveries = app.Logs.Entries.Where(line => line.Contains("The database answers again", StringComparison.Ordinal)).ToList();
        Assert.True(recoveries.Count == 1, "recovery lines:\n" + string.Join("\n", recoveries));
    }

    [Fact]
    public async Task StoreDown_CachedKey_WorksUntilFiveMinutesAfterItWasLastRead_Then503NotA401()
    {
        // ApiKeys:Cache:MaxEntryAgeWhenStoreDown, left at its default. The age is measured from the entry's last read
        // from the store (CredentialCache: LoadedAt), on the app's clock; a read during the outage fails and renews nothing.
        var store = new StoreSwitch();
        var clock = new SkippingClock();
        using var app = new AppFactory { Clock = clock, DbInterceptors = { store } };
        var key = await app.CreateKeyAsync(scopes: ["*"]);
        using var client = app.CreateClient(key.Secret);
        await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK); // read, and cached from here on
        // Past MaxEntryAge (5 s), so this request reads the key again: it is now 0 s since its last read.
        clock.Skip(TimeSpan.FromMinutes(4));
        await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);

        store.Down = true;

        // 8 minutes after it was first cached, 4 after it was last read: still served from memory.
        clock.Skip(TimeSpan.FromMinutes(4));
        await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        clock.Skip(TimeSpan.FromSeconds(50)); // 4 min 50 s since the last read
        await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        // Past 5 minutes since the last read: the app can no longer vouch for the key, and says so rather than blame it.
        clock.Skip(TimeSpan.FromSeconds(11));
        for (var i = 0; i < 3; i++)
        {
            var response = await client.GetAsync(CompanyInfo);
            await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "service_unavailable");
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            Assert.Empty(response.Headers.WwwAuthenticate);
        }

        store.Down = false;

        await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task StoreDown_BadChecksum_StillA401()
    {
        // A key that cannot exist is known to be wrong without the database.
        var store = new StoreSwitch();
        using var app = new AppFactory { DbInterceptors = { store } };
        using (var warmUp = app.CreateClient()) Assert.Equal(HttpStatusCode.OK, (await warmUp.GetAsync("/health")).StatusCode);
        store.Down = true;
        using var client = app.CreateClient("fc_live_not-a-key");
        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task StoreEmptied_WhileRunning_IsAnOutage_NeverA401OrA500()
    {
        // The store emptied while the app runs (a SQLite file deleted, so SQLite opens an empty one; a database restored
        // without our tables): the tables are renamed away.
        using var app = new AppFactory();
        var cached = await app.CreateKeyAsync(scopes: ["*"]);
        var notYetUsed = await app.CreateKeyAsync(scopes: ["*"]);
        using var cachedClient = app.CreateClient(cached.Secret);
        await cachedClient.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);

        await ExecuteAsync(app, """ALTER TABLE "ApiKeys" RENAME TO "ApiKeys_gone" """, """ALTER TABLE "Clients" RENAME TO "Clients_gone" """);

        await cachedClient.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        using (var unused = app.CreateClient(notYetUsed.Secret))
        {
            var response = await unused.GetAsync(CompanyInfo);
            await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "service_unavailable");
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }
        await (await cachedClient.GetAsync("/api/v1/clients")).ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "service_unavailable");

        await ExecuteAsync(app, """ALTER TABLE "ApiKeys_gone" RENAME TO "ApiKeys" """, """ALTER TABLE "Clients_gone" RENAME TO "Clients" """);
        using var recovered = app.CreateClient(notYetUsed.Secret);
        await recovered.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task StoreDown_DashboardRequests_503WithRetryAfter_NotA500_AndNoLinePerRequest()
    {
        var store = new StoreSwitch();
        using var app = new AppFactory { DbInterceptors = { store } };
        using var browser = SignIn.FormBrowser.Open(app);
        await browser.SignInAsync("admin@acme.test", FieldCamp.Web.Data.DemoSeeder.Password);
        var linesBefore = app.Logs.Entries.Count;

        // A signed-in page reads the person's membership; a sign-in reads the account: both need the database.
        store.Down = true;
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++) answers.Add(await browser.Http.GetAsync("/settings/developer/api-keys"));
        using var other = SignIn.FormBrowser.Open(app);
        for (var i = 0; i < 5; i++) answers.Add(await other.SubmitSignInAsync("admin@acme.test", "not the password"));

        Assert.All(answers, answer =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), answer.Headers.RetryAfter?.Delta);
        });
        Assert.Contains("cannot reach its database", await answers[0].Content.ReadAsStringAsync());
        // One report for the outage, not a line (and a stack trace) per request.
        var during = app.Logs.Entries.Skip(linesBefore).Where(e => e.StartsWith("Error", StringComparison.Ordinal) || e.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.True(during.Count <= 1, "error lines during the outage:\n" + string.Join("\n", during));
    }

    private static async Task ExecuteAsync(AppFactory app, params string[] statements)
    {
        await using var db = await app.CreateDbContextAsync();
        foreach (var sql in statements) await db.Database.ExecuteSqlRawAsync(sql);
    }
}
