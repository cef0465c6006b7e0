using System.Net;
using FieldCamp.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// The same change sent several times at once (a double-clicked button, a retrying client): exactly one wins,
/// the rest get 409, exactly as when they arrive one after another. These count rows, so each has its own app.
/// </summary>
public class ConcurrentChangeTests
{
    private const int Rounds = 10;
    private const int Parallel = 8;

    [Fact]
    public async Task RotateKey_SameKeyConcurrently_MintsExactlyOneReplacement()
    {
        using var app = new AppFactory();
        var admin = await app.CreateKeyAsync(scopes: ["*"]);
        using var client = app.CreateClient(admin.Secret);
        await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);

        for (var round = 0; round < Rounds; round++)
        {
            var target = await app.CreateKeyAsync();

            var responses = await Task.WhenAll(Enumerable.Range(0, Parallel)
                .Select(_ => client.PostAsync($"/api/v1/api-keys/{target.Id}/rotate", null)));

            var statuses = responses.Select(r => (int)r.StatusCode).ToList();
            await using var db = await app.CreateDbContextAsync();
            var replacements = await db.ApiKeys.AsNoTracking().Where(k => k.ReplacesKeyId == target.Id).Select(k => k.Id).ToListAsync();
            var rotations = await db.AuditEvents.CountAsync(e => e.ApiKeyId == target.Id && e.Type == AuditEventType.ApiKeyRotated);
            Assert.True(statuses.Count(s => s == 201) == 1 && replacements.Count == 1 && rotations == 1,
                $"Round {round}: statuses [{string.Join(", ", statuses)}], {replacements.Count} live replacement keys " +
                $"({string.Join(", ", replacements)}), {rotations} rotation audit events for one old key.");
            Assert.All(statuses, s => Assert.Contains(s, new[] { 201, 409 }));
        }
    }

    [Fact]
    public async Task RevokeKey_SameKeyConcurrently_ExactlyOne204AndOneRevocationEvent()
    {
        using var app = new AppFactory();
        var admin = await app.CreateKeyAsync(scopes: ["*"]);
        using var client = app.CreateClient(admin.Secret);
        await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);

        for (var round = 0; round < Rounds; round++)
        {
            var target = await app.CreateKeyAsync();

            var responses = await Task.WhenAll(Enumerable.Range(0, Parallel)
                .Select(_ => client.DeleteAsync($"/api/v1/api-keys/{target.Id}")));

            var statuses = responses.Select(r => (int)r.StatusCode).ToList();
            await using var db = await app.CreateDbContextAsync();
            var revocations = await db.AuditEvents.CountAsync(e => e.ApiKeyId == target.Id && e.Type == AuditEventType.ApiKeyRevoked);
            Assert.True(statuses.Count(s => s == 204) == 1 && revocations == 1,
                $"Round {round}: statuses [{string.Join(", ", statuses)}], {revocations} revocation audit events for one key.");
            Assert.All(statuses, s => Assert.Contains(s, new[] { 204, 409 }));
        }
    }
}
