using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Cli;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// A key the server does not know yet is looked up by its digest, in batches shared by every request that misses at
/// the same time: invented keys with a valid checksum (anyone can compute one) cost one small query at a time, and a
/// key created anywhere else (the command line, another instance) works on its first request, on any store.
/// </summary>
public class UnknownKeyFloodTests
{
    private const string CompanyInfo = "/api/v1/company-info";

    // The batched lookup by value, and the lookup of one key's row (with its branch) that follows a match.
    private const string BatchLookup = KnownDigests.LookupTag;
    private const string RowLookup = "JOIN \"Branches\"";

    [Fact]
    public async Task Request_ManyDistinctInventedKeysAtOnce_AFewBatchedLookupsNotOnePerKey()
    {
        // Each lookup takes a second here, so the burst arrives while one runs and queues for the next ones, however
        // slowly this machine lets the requests in (a fast lookup could finish between any two of them).
        // The failed-credential throttle is off: this is about lookups, and hundreds of failures from one address would meet it.
        var batches = new CountedCommands(BatchLookup);
        var rows = new CountedCommands(RowLookup);
        using var app = new AppFactory { DbInterceptors = { new SlowCommands(BatchLookup, TimeSpan.FromSeconds(1)), batches, rows } };
        app.Settings["RateLimits:FailedCredentialsPerMinute"] = "0";
        using var warmUp = app.CreateClient(ApiKeySecret.Generate());
        await warmUp.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        var (before, rowsBefore) = (batches.Count, rows.Count);

        const int requests = 300;
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
        {
            using var client = app.CreateClient(ApiKeySecret.Generate());
            await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        }));

        Assert.Equal(rowsBefore, rows.Count);
        // One for the first arrivals, then full batches for everyone who queued meanwhile: not one per request.
        var lookups = batches.Count - before;
        // One more than that for slack, should the burst take longer than a lookup to arrive.
        var most = 2 + (requests + KnownDigests.BatchSize - 1) / KnownDigests.BatchSize;
        Console.WriteLine($"{requests} invented keys at once: {lookups} store queries (at most {most} allowed)");
        Assert.InRange(lookups, 1, most);
    }

    [Fact]
    public async Task Request_WhileTooManyUnknownKeysWait_503WithRetryAfterNot401_ThenServedAgain()
    {
        var held = new HeldCommands(BatchLookup);
        using var app = new AppFactory { DbInterceptors = { held } };
        app.Settings["RateLimits:FailedCredentialsPerMinute"] = "0";
        using var anonymous = app.CreateClient();
        await Http.EventuallyAsync(async () => (await anonymous.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "ready once the digests are read");
        var known = app.Services.GetRequiredService<KnownDigests>();

        // One lookup is held in the store; the waiting list fills up behind it (in-process: 8,192 requests would be slow).
        var waiting = new List<Task<bool>>();
        waiting.Add(known.MayExistAsync(ApiKeySecret.ComputeDigest(ApiKeySecret.Generate())).AsTask());
        await held.Held;
        for (var i = 0; i < KnownDigests.MaxWaiting; i++)
            waiting.Add(known.MayExistAsync(ApiKeySecret.ComputeDigest(ApiKeySecret.Generate())).AsTask());

        // Neither the key's fault nor an outage: said as such, with a short Retry-After.
        using (var invented = app.CreateClient(ApiKeySecret.Generate()))
        {
            var response = await invented.GetAsync(CompanyInfo);
            await response.ExpectProblemAsync(HttpStatusCode.ServiceUnavailable, "service_unavailable");
            Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        }

        held.Release();
        Assert.All(await Task.WhenAll(waiting), found => Assert.False(found));
        using var again = app.CreateClient(ApiKeySecret.Generate());
        await again.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Request_KeyStoredByAnotherProcessAfterTheSetLoaded_WorksOnItsFirstRequest()
    {
        using var app = new AppFactory();
        using var invented = app.CreateClient(ApiKeySecret.Generate());
        await invented.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");

        // Written straight to the database, as another instance would: this process never saw it.
        var (key, secret) = await StoreElsewhereAsync(app);

        using var client = app.CreateClient(secret);
        var info = await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(key.Id, info.GetProperty("credential").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Request_KeyCreatedByTheCommandLineWhileTheServerRuns_WorksOnItsFirstRequest()
    {
        using var app = new AppFactory();
        using var invented = app.CreateClient(ApiKeySecret.Generate());
        await invented.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");

        var stdout = new StringWriter();
        var exit = await ApiKeyCommandLine.RunAsync(["apikey", "create", "--company", "acme", "--name", AppFactory.UniqueName("cli"),
            "--scopes", "clients:read"], stdout, new StringWriter(), app.StoreSettings);
        Assert.Equal(0, exit);

        using var client = app.CreateClient(stdout.ToString().Trim());
        await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Request_KeyCreatedElsewhereAfterTheNewestKeyWasDeleted_WorksOnItsFirstRequest()
    {
        using var app = new AppFactory();
        // The newest key, stored elsewhere and then looked past by the server (an invented key makes it look).
        var (newest, _) = await StoreElsewhereAsync(app);
        using var invented = app.CreateClient(ApiKeySecret.Generate());
        await invented.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");

        // Deleted, as deleting its branch does (the foreign key cascades). SQLite then gives the next row the number
        // the deleted one had, so a server that caught up by row number would never see the key made next.
        await using (var db = await app.CreateDbContextAsync())
            Assert.Equal(1, await db.ApiKeys.Where(k => k.Id == newest.Id).ExecuteDeleteAsync());
        var (key, secret) = await StoreElsewhereAsync(app);

        using var client = app.CreateClient(secret);
        var info = await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(key.Id, info.GetProperty("credential").GetProperty("id").GetString());
    }

    /// <summary>A key written through a database context of its own, as another instance or the command line would.</summary>
    private static async Task<(ApiKey Key, string Secret)> StoreElsewhereAsync(AppFactory app)
    {
        var (companyId, branchId) = await app.TenantAsync();
        var (key, secret) = ApiKey.Create(companyId, branchId, new NewApiKey(AppFactory.UniqueName("elsewhere"), ["jobs:read"], null),
            Actor.Operator("another process"), DateTime.UtcNow);
        await app.SaveKeyAsync(key);
        return (key, secret);
    }
}
