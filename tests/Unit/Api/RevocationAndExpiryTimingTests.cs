using System.Diagnostics;
using System.Net;
using FieldCamp.Domain.Audit;
using FieldCamp.Web;
using FieldCamp.Web.ApiKeys;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>A clock that reads the real time plus an offset the test moves; timers and stopwatches stay real.</summary>
internal sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>When a change made elsewhere, or the passing of time, reaches a key that this server has cached.</summary>
public class RevocationAndExpiryTimingTests
{
    [Fact]
    public async Task RevokedByAnotherProcess_FailsWithinTheCacheAge()
    {
        var maxAge = TimeSpan.FromSeconds(2);
        using var app = new AppFactory { Settings = { ["ApiKeys:Cache:MaxEntryAge"] = "00:00:02" } };
        var key = await app.CreateKeyAsync();
        using var client = app.CreateClient(key.Secret);
        await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK); // cached from here on

        // Another process: its own configuration, service provider, cache and connections, same database file.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = app.Folder });
        builder.Configuration.AddInMemoryCollection(app.StoreSettings);
        builder.Services.AddFieldCampCore(builder.Configuration, app.Folder);
        using (var other = builder.Build())
        {
            var revoked = await other.Services.GetRequiredService<ApiKeyManager>()
                .RevokeAsync(new KeyScope(key.CompanyId, key.BranchId), key.Id, Actor.Operator("other instance"));
            Assert.NotNull(revoked);
        }
        var clock = Stopwatch.StartNew();

        HttpResponseMessage? last = null;
        await Http.EventuallyAsync(async () =>
        {
            last = await client.GetAsync("/api/v1/company-info");
            return last.StatusCode == HttpStatusCode.Unauthorized;
        }, maxAge + TimeSpan.FromSeconds(1), "the revocation reaching the server");

        Assert.True(clock.Elapsed <= maxAge + TimeSpan.FromMilliseconds(500), $"Took {clock.Elapsed}, cache age {maxAge}.");
        await last!.ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
    }

    [Fact]
    public async Task CachedKey_PastItsExpiry_401KeyExpiredOnTheNextRequest()
    {
        var time = new ShiftedClock();
        using var app = new AppFactory { Clock = time };
        var admin = await app.CreateKeyAsync(scopes: ["api-keys:manage", "clients:read"]);
        using var adminClient = app.CreateClient(admin.Secret);
        var created = await adminClient.PostAsync("/api/v1/api-keys", Http.Json(new
        {
            name = AppFactory.UniqueName("short-lived"), scopes = new[] { "clients:read" }, expiresAt = DateTimeOffset.UtcNow.AddHours(1),
        })).ExpectAsync(HttpStatusCode.Created);
        using var client = app.CreateClient(created.GetProperty("key").GetString()!);
        await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        time.Advance(TimeSpan.FromMinutes(61));

        await client.GetAsync("/api/v1/clients").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_expired");
        await adminClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
        var stored = await adminClient.GetAsync($"/api/v1/api-keys/{created.GetProperty("id").GetString()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("expired", stored.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ExpiryExtendedBeforeItPasses_KeyKeepsWorking()
    {
        var time = new ShiftedClock();
        using var app = new AppFactory { Clock = time };
        var key = await app.CreateKeyAsync(expiresAt: DateTime.UtcNow.AddHours(1));
        var admin = await app.CreateKeyAsync(scopes: ["api-keys:manage", .. key.Scopes]);
        using var adminClient = app.CreateClient(admin.Secret);
        using var client = app.CreateClient(key.Secret);
        await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        await adminClient.PatchAsync($"/api/v1/api-keys/{key.Id}", new { expiresAt = DateTimeOffset.UtcNow.AddDays(7) }).ExpectAsync(HttpStatusCode.OK);
        time.Advance(TimeSpan.FromHours(2));

        await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
    }
}
