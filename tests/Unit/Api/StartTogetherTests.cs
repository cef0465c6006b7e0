using System.Net;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>Instances of one installation started at the same moment on a store nobody has migrated yet.</summary>
public class StartTogetherTests
{
    [Fact]
    public async Task TwoInstances_StartTogetherOnAnEmptyStore_BothMigrateWithoutAFight_AndServe()
    {
        // Production: no demo data, so what the two race for is the schema alone.
        using var first = new AppFactory { Environment = "Production" };
        using var second = AppFactory.SameInstallationAs(first);

        await Task.WhenAll(Task.Run(() => first.Services), Task.Run(() => second.Services));

        foreach (var app in new[] { first, second })
        {
            // Ready once each has read the keys it knows: both started, neither stalled on the other's migration.
            using var client = app.CreateClient();
            await Http.EventuallyAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
                TimeSpan.FromSeconds(30), "each instance becomes ready");
        }
        await using var db = await first.CreateDbContextAsync();
        Assert.Empty(await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.GetPendingMigrationsAsync(db.Database));
    }
}
