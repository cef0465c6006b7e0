using System.Net;
using System.Text;
using System.Text.Json;
using FieldCamp.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>Every lifecycle change leaves an audit row naming who, from where and what; no secret anywhere but its one response.</summary>
public class AuditTrailTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Keys = "/api/v1/api-keys";

    [Fact]
    public async Task Lifecycle_ThroughTheApi_RecordsEachEventWithActorIpAndChanges()
    {
        var admin = await app.CreateKeyAsync(scopes: ["*"], name: AppFactory.UniqueName("audit-admin"));
        using var client = app.CreateClient(admin.Secret);
        var responses = new List<string>();

        var created = await client.PostAsync(Keys, Http.Json(new { name = AppFactory.UniqueName("audited"), scopes = new[] { "clients:read" } }))
            .ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var secret = created.GetProperty("key").GetString()!;
        var newName = AppFactory.UniqueName("audited-renamed");
        responses.Add((await client.PatchAsync($"{Keys}/{id}", new { name = newName, rateLimit = new { requestsPerMinute = 30 } })
            .ExpectAsync(HttpStatusCode.OK)).GetRawText());
        var rotated = await client.PostAsync($"{Keys}/{id}/rotate", Http.Json(new { oldKeyExpiresInHours = 1 })).ExpectAsync(HttpStatusCode.Created);
        var replacementId = rotated.GetProperty("id").GetString()!;
        var replacementSecret = rotated.GetProperty("key").GetString()!;
        var revoke = await client.DeleteAsync($"{Keys}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        responses.Add(await revoke.Content.ReadAsStringAsync());
        responses.Add((await client.GetAsync($"{Keys}/{id}").ExpectAsync(HttpStatusCode.OK)).GetRawText());
        responses.Add((await client.GetAsync($"{Keys}/{replacementId}").ExpectAsync(HttpStatusCode.OK)).GetRawText());
        responses.Add((await client.GetAsync($"{Keys}?limit=100").ExpectAsync(HttpStatusCode.OK)).GetRawText());
        responses.Add((await client.GetAsync($"{Keys}?limit=100&status=revoked").ExpectAsync(HttpStatusCode.OK)).GetRawText());
        responses.Add((await client.GetAsync($"{Keys}/{id}/activity").ExpectAsync(HttpStatusCode.OK)).GetRawText());

        await using var db = await app.CreateDbContextAsync();
        var events = await db.AuditEvents.AsNoTracking().Where(e => e.ApiKeyId == id).OrderBy(e => e.Id).ToListAsync();
        // Revoking the old key also completes the rotation that the rotate opened.
        Assert.Equal([AuditEventType.ApiKeyCreated, AuditEventType.ApiKeyUpdated, AuditEventType.ApiKeyRotated, AuditEventType.ApiKeyRevoked,
            AuditEventType.RotationCompleted], events.Select(e => e.Type));
        Assert.All(events, e =>
        {
            Assert.Equal(ActorType.ApiKey, e.Actor.Type);
            Assert.Equal(admin.Id, e.Actor.Id);
            Assert.Equal(admin.Name, e.Actor.Name);
            Assert.NotNull(e.Actor.Ip);
            Assert.True(IPAddress.IsLoopback(IPAddress.Parse(e.Actor.Ip!)), e.Actor.Ip);
            Assert.Equal(admin.CompanyId, e.CompanyId);
            Assert.Equal(admin.BranchId, e.BranchId);
        });

        var update = events[1];
        Assert.Equal(["name", "rateLimit"], update.Changes.Select(c => c.Field).Order());
        var nameChange = update.Changes.Single(c => c.Field == "name");
        Assert.Equal(created.GetProperty("name").GetString(), nameChange.From);
        Assert.Equal(newName, nameChange.To);
        Assert.Null(update.Changes.Single(c => c.Field == "rateLimit").From);

        Assert.Contains(events[2].Changes, c => c.Field == "replacedBy" && c.To == replacementId);
        Assert.Contains(events[2].Changes, c => c.Field == "expiresAt");

        var replacementEvents = await db.AuditEvents.AsNoTracking().Where(e => e.ApiKeyId == replacementId).ToListAsync();
        var replacementCreated = Assert.Single(replacementEvents);
        Assert.Equal(AuditEventType.ApiKeyCreated, replacementCreated.Type);
        Assert.Equal(admin.Id, replacementCreated.Actor.Id);

        var everyAuditRow = await db.AuditEvents.AsNoTracking().ToListAsync();
        var auditText = string.Join("\n", everyAuditRow.Select(e => JsonSerializer.Serialize(e)));
        foreach (var s in new[] { secret, replacementSecret, admin.Secret })
        {
            Assert.DoesNotContain(s, auditText);
            Assert.DoesNotContain(s[8..51], auditText);
            Assert.All(responses, body => Assert.DoesNotContain(s, body));
        }
    }

    [Fact]
    public async Task Secrets_AreNotStoredInTheDatabase()
    {
        var admin = await app.CreateKeyAsync(scopes: ["*"]);
        using var client = app.CreateClient(admin.Secret);
        var created = await client.PostAsync(Keys, Http.Json(new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" } }))
            .ExpectAsync(HttpStatusCode.Created);
        var secret = created.GetProperty("key").GetString()!;
        using var keyClient = app.CreateClient(secret);
        await keyClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        // Every table's text; on SQLite, also every byte of its files (indexes, the write-ahead log).
        var stored = new StringBuilder(await app.StoredTextAsync());
        foreach (var file in Directory.GetFiles(app.Folder))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            stored.Append(await reader.ReadToEndAsync());
        }

        Assert.True(stored.Length > 0);
        var text = stored.ToString();
        Assert.Contains(created.GetProperty("id").GetString()!, text); // the key is in there…
        Assert.DoesNotContain(secret[8..51], text);                    // …its secret is not
        Assert.DoesNotContain(admin.Secret[8..51], text);
    }

    [Fact]
    public async Task Revoke_ThroughTheApi_RecordsTheRevokerAndKeepsTheCreator()
    {
        var target = await app.CreateKeyAsync();
        var admin = await app.CreateKeyAsync(scopes: ["api-keys:manage"]);
        using var client = app.CreateClient(admin.Secret);

        await client.DeleteAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.NoContent);

        await using var db = await app.CreateDbContextAsync();
        var created = await db.AuditEvents.AsNoTracking().SingleAsync(e => e.ApiKeyId == target.Id && e.Type == AuditEventType.ApiKeyCreated);
        Assert.Equal(ActorType.System, created.Actor.Type);
        var revoked = await db.AuditEvents.AsNoTracking().SingleAsync(e => e.ApiKeyId == target.Id && e.Type == AuditEventType.ApiKeyRevoked);
        Assert.Equal(admin.Id, revoked.Actor.Id);
        var stored = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == target.Id);
        Assert.Equal(admin.Id, stored.RevokedBy?.Id);
    }
}
