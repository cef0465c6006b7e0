using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Invented keys with a valid checksum (anyone can compute one) are rejected from the in-memory set of known digests:
/// no lookup per key, and the catch-up that keeps keys created elsewhere working is shared by concurrent requests.
/// </summary>
public class UnknownKeyFloodTests
{
    private const string CompanyInfo = "/api/v1/company-info";

    private static int Commands(AppFactory app, string sqlFragment) => app.Logs.Entries.Count(e =>
        e.Contains("Microsoft.EntityFrameworkCore.Database.Command", StringComparison.Ordinal)
        && e.Contains("Executed DbCommand", StringComparison.Ordinal)
        && e.Contains(sqlFragment, StringComparison.Ordinal));

    [Fact]
    public async Task Request_ManyDistinctInventedKeysAtOnce_NoLookupPerKey()
    {
        // Each catch-up takes a second here, so the burst arrives while one runs and must share the next, however
        // slowly this machine lets the requests in (a fast catch-up could finish between any two of them).
        // The failed-credential throttle is off: this is about lookups, and 65 failures from one address would meet it.
        using var app = new AppFactory { LogEverything = true, DbInterceptors = { new SlowCommands("rowid >", TimeSpan.FromSeconds(1)) } };
        app.Settings["RateLimits:FailedCredentialsPerMinute"] = "0";
        using var warmUp = app.CreateClient(ApiKeySecret.Generate());
        await warmUp.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        var catchUpsBefore = Commands(app, "rowid >");

        const int requests = 64;
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
        {
            using var client = app.CreateClient(ApiKeySecret.Generate());
            await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        }));

        Assert.Equal(0, Commands(app, "\"SecretHash\" = "));
        // At least one catch-up (which also shows the command log is seen); one for the first arrivals and one for
        // everyone who came while it ran, not one per request.
        Assert.InRange(Commands(app, "rowid >") - catchUpsBefore, 1, 3);
    }

    [Fact]
    public async Task Request_KeyStoredByAnotherProcessAfterTheSetLoaded_WorksOnItsFirstRequest()
    {
        using var app = new AppFactory();
        using var invented = app.CreateClient(ApiKeySecret.Generate());
        await invented.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");

        // Written straight to the database, as the command line or another instance would: this process never saw it.
        var (companyId, branchId) = await app.TenantAsync();
        var (key, secret) = ApiKey.Create(companyId, branchId, new NewApiKey(AppFactory.UniqueName("elsewhere"), ["jobs:read"], null),
            Actor.Operator("another process"), DateTime.UtcNow);
        await app.SaveKeyAsync(key);

        using var client = app.CreateClient(secret);
        var info = await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(key.Id, info.GetProperty("credential").GetProperty("id").GetString());
    }
}
