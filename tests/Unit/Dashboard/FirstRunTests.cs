using FieldCamp.Web.Dashboard;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Dashboard;

/// <summary>The one-time workspace setup of a fresh installation, when more than one person submits it at once.</summary>
public class FirstRunTests
{
    [Fact]
    public async Task CreateWorkspace_SubmittedFourTimesAtOnce_OneWorkspaceOneOwner()
    {
        await using var app = new AppFactory { Environment = "Production" };
        var firstRun = app.Services.GetRequiredService<FirstRun>();
        Assert.False(await firstRun.IsCompleteAsync());

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var submits = Enumerable.Range(1, 4).Select(async i =>
        {
            await go.Task;
            return await firstRun.CreateWorkspaceAsync($"Company {i}", $"company-{i}", "Main", $"owner{i}@example.test", "Setup!pass1");
        }).ToList();
        go.SetResult();
        var results = await Task.WhenAll(submits);

        Assert.Single(results, r => r.Owner is not null);
        Assert.All(results.Where(r => r.Owner is null), r => Assert.Equal("This workspace is already set up. Sign in instead.", r.Errors[""]));
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.Companies.CountAsync());
        Assert.Equal(1, await db.Users.CountAsync());
        Assert.Equal(1, await db.Memberships.CountAsync());
    }

    [Fact]
    public async Task CreateWorkspace_RecordsWhoSetItUpAndFromWhere()
    {
        await using var app = new AppFactory { Environment = "Production" };
        var firstRun = app.Services.GetRequiredService<FirstRun>();

        var (owner, _) = await firstRun.CreateWorkspaceAsync("Northwind", "northwind", "Main", "first@example.test", "Setup!pass1",
            "203.0.113.9", "Mozilla/5.0 (setup)");

        await using var db = await app.CreateDbContextAsync();
        var created = await db.AuditEvents.SingleAsync(e => e.Type == FieldCamp.Domain.Audit.AuditEventType.WorkspaceCreated);
        Assert.Equal("Northwind", created.Subject);
        Assert.Null(created.BranchId);
        Assert.Equal(owner!.Id, created.Actor.Id);
        Assert.Equal("first@example.test", created.Actor.Name);
        Assert.Equal("203.0.113.9", created.Actor.Ip);
        Assert.Equal("Mozilla/5.0 (setup)", created.Actor.UserAgent);
    }
}
