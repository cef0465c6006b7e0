using System.Net;
using System.Text.Json;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Requests that race each other: the checks each request makes can all pass at once, so the database's unique index
/// and foreign keys have the last word, and a refused save answers as the check would have (never a 500).
/// </summary>
public class ResourceRaceTests(ResourceApp fixture) : IClassFixture<ResourceApp>
{
    private const int Parallel = 20;
    private AppFactory App => fixture.App;

    private async Task<HttpClient> ClientAsync()
    {
        var key = await App.CreateKeyAsync("acme", "North", ["clients:write", "jobs:write", "invoices:write"], rateLimit: 10_000);
        return App.CreateClient(key.Secret);
    }

    private static async Task<string> NewClientIdAsync(HttpClient client) =>
        (await client.PostAsync("/api/v1/clients", Http.Json(new { name = AppFactory.UniqueName("client") })).ExpectAsync(HttpStatusCode.Created))
            .GetProperty("id").GetString()!;

    private static async Task<string[]> FieldErrorAsync(HttpResponseMessage response, string field)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        return problem.GetProperty("errors").GetProperty(field).Strings();
    }

    [Fact]
    public async Task InvoicesCreatedAtOnceWithOneNumber_ExactlyOne201_Others400OnNumber()
    {
        var client = await ClientAsync();
        var clientId = await NewClientIdAsync(client);
        var number = AppFactory.UniqueName("INV");

        var responses = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ =>
            client.PostAsync("/api/v1/invoices", Http.Json(new { clientId, number }))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            Assert.Equal(["Another invoice of this branch has this number."], await FieldErrorAsync(refused, "number"));
        await using var db = await App.CreateDbContextAsync();
        Assert.Equal(1, await db.Invoices.CountAsync(i => i.Number == number));
    }

    [Fact]
    public async Task InvoicesRenumberedAtOnceToOneNumber_ExactlyOne200_Others400OnNumber()
    {
        var client = await ClientAsync();
        var clientId = await NewClientIdAsync(client);
        var ids = await Task.WhenAll(Enumerable.Range(0, Parallel / 2).Select(async _ =>
            (await client.PostAsync("/api/v1/invoices", Http.Json(new { clientId, number = AppFactory.UniqueName("INV") }))
                .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!));
        var number = AppFactory.UniqueName("INV");

        var responses = await Task.WhenAll(ids.Select(id => client.PatchAsync($"/api/v1/invoices/{id}", Http.Json(new { number }))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            Assert.Equal(["Another invoice of this branch has this number."], await FieldErrorAsync(refused, "number"));
    }

    [Theory]
    [InlineData("jobs")]
    [InlineData("invoices")]
    public async Task ClientDeletedWhileRecordsAreCreatedForIt_NoneOrphaned_EveryAnswerAClearOne(string resource)
    {
        var client = await ClientAsync();
        var clientId = await NewClientIdAsync(client);
        object Body() => resource == "jobs"
            ? new { clientId, title = "Boiler service" }
            : new { clientId, number = AppFactory.UniqueName("INV") };

        var creates = Enumerable.Range(0, Parallel).Select(_ => client.PostAsync($"/api/v1/{resource}", Http.Json(Body()))).ToList();
        var delete = client.DeleteAsync($"/api/v1/clients/{clientId}");
        var responses = await Task.WhenAll([.. creates, delete]);

        Assert.All(responses, r => Assert.Contains(r.StatusCode,
            new[] { HttpStatusCode.Created, HttpStatusCode.NoContent, HttpStatusCode.BadRequest, HttpStatusCode.Conflict }));
        foreach (var refused in responses.Where(r => r.StatusCode == HttpStatusCode.BadRequest))
            Assert.Equal(["Name a client of this branch."], await FieldErrorAsync(refused, "clientId"));
        var deleted = (await delete).StatusCode == HttpStatusCode.NoContent;
        if (!deleted) Assert.Matches(@"^This client has .+ first\.$",
            (await (await delete).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state")).GetProperty("detail").GetString());

        await using var db = await App.CreateDbContextAsync();
        var created = resource == "jobs"
            ? await db.Jobs.CountAsync(j => j.ClientId == clientId)
            : await db.Invoices.CountAsync(i => i.ClientId == clientId);
        Assert.Equal(creates.Count(c => c.Result.StatusCode == HttpStatusCode.Created), created);
        Assert.Equal(!deleted, await db.Clients.AnyAsync(c => c.Id == clientId));
        if (deleted) Assert.Equal(0, created);
        Assert.False(await db.Jobs.AnyAsync(j => !db.Clients.Any(c => c.Id == j.ClientId)));
        Assert.False(await db.Invoices.AnyAsync(i => !db.Clients.Any(c => c.Id == i.ClientId)));
    }

    [Fact]
    public async Task StoreRefusesWhatTheChecksWouldMiss_AndTheRefusalIsReadAsItsKind()
    {
        await using var db = await App.CreateDbContextAsync();
        var (_, branchId) = await App.TenantAsync("acme", "North");
        var owner = await db.Clients.AsNoTracking().FirstAsync(c => c.BranchId == branchId);
        var taken = await db.Invoices.AsNoTracking().FirstAsync(i => i.BranchId == branchId);

        db.Invoices.Add(new Invoice { Id = AppFactory.UniqueName("inv"), BranchId = branchId, ClientId = owner.Id, Number = taken.Number });
        var duplicate = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.Equal(ConstraintKind.Unique, ConstraintViolation.Of(duplicate));
        db.ChangeTracker.Clear();

        db.Jobs.Add(new Job { Id = AppFactory.UniqueName("job"), BranchId = branchId, ClientId = "cli_missing", Title = "Orphan" });
        var orphan = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.Equal(ConstraintKind.ForeignKey, ConstraintViolation.Of(orphan));
        db.ChangeTracker.Clear();

        db.Clients.Remove(await db.Clients.FirstAsync(c => c.Id == taken.ClientId));
        var inUse = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        Assert.True(ConstraintViolation.Of(inUse) == ConstraintKind.ForeignKey, inUse.ToString());
    }
}
