using System.Net;
using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Incidents;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Data;
using FieldCamp.Web.Incidents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>The leak response over the real store: the activity summary from the request log, the replacement, the close.</summary>
public class LeakResponseStoreTests(AppFactory app) : IClassFixture<AppFactory>
{
    private static readonly Actor Admin = Actor.Person("u_admin", "admin@acme.test", "203.0.113.9");

    private IncidentManager Manager => app.Services.GetRequiredService<IncidentManager>();

    private async Task LogAsync(string keyId, params (DateTime At, string Method, string Path, int Status, string Ip, int Count)[] rows)
    {
        await using var db = await app.CreateDbContextAsync();
        db.ApiKeyRequests.AddRange(rows.Select(r => new ApiKeyRequest
        {
            ApiKeyId = keyId, At = r.At, Method = r.Method, Path = r.Path, Status = r.Status, Ip = r.Ip, UserAgent = "curl/8.5", Count = r.Count,
        }));
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Activity_WritesFirstNewIpsMarkedRecordsNamed()
    {
        var key = await app.CreateKeyAsync(scopes: ["jobs:write", "clients:read"]);
        var scope = new KeyScope(key.CompanyId, key.BranchId);
        string jobId;
        await using (var db = await app.CreateDbContextAsync())
            jobId = await db.Jobs.Where(j => j.BranchId == key.BranchId).Select(j => j.Id).FirstAsync();
        var now = DateTime.UtcNow;
        await LogAsync(key.Id,
            (now.AddDays(-5), "GET", "/api/v1/jobs", 200, "198.51.100.1", 3),      // before any window: the integration's usual address
            (now.AddHours(-30), "GET", "/api/v1/jobs", 200, "198.51.100.1", 4),    // in the 48-h window only
            (now.AddHours(-2), "GET", "/api/v1/jobs", 200, "198.51.100.1", 10),
            (now.AddHours(-1), "POST", "/api/v1/jobs", 201, "203.0.113.66", 2),
            (now.AddHours(-1), "GET", $"/api/v1/jobs/{jobId}", 200, "203.0.113.66", 1),
            (now.AddMinutes(-30), "DELETE", "/api/v1/clients/cli_0000000000000000000", 404, "203.0.113.66", 1));

        var incident = (await Manager.ReportAsync(scope, key.Id, Admin))!;
        var reader = app.Services.GetRequiredService<LeakActivityReader>();
        var day = await reader.ReadAsync(incident, 24);
        var twoDays = await reader.ReadAsync(incident, 48);

        Assert.Equal((24, 14), (day.Hours, day.Requests));
        Assert.Equal(18, twoDays.Requests);
        Assert.Equal(["POST /api/v1/jobs", "DELETE /api/v1/clients/{id}"], day.Writes.Select(w => $"{w.Method} {w.Path}"));
        Assert.Equal(["GET /api/v1/jobs", "GET /api/v1/jobs/{id}"], day.Reads.Select(r => $"{r.Method} {r.Path}"));
        Assert.Equal(["203.0.113.66"], day.NewIps);
        var list = day.Reads[0];
        Assert.False(Assert.Single(list.Ips).New);
        Assert.False(list.RecordsKnown);
        var post = day.Writes[0];
        Assert.Equal((2, true), (post.Requests, post.Ips.Single().New));
        Assert.Equal(["curl/8.5"], post.UserAgents);
        var read = day.Reads[1];
        var record = Assert.Single(read.Records);
        Assert.Equal(("job", jobId), (record.Kind, record.Id));
        Assert.NotNull(record.Label);
        var deleted = day.Writes[1];
        Assert.Equal([404], deleted.Statuses);
        Assert.Null(Assert.Single(deleted.Records).Label); // the store has no such client
    }

    [Fact]
    public async Task Response_ReviewReplaceTickClose_StoredAtEachStep()
    {
        var key = await app.CreateKeyAsync(scopes: ["jobs:write", "clients:read"]);
        var scope = new KeyScope(key.CompanyId, key.BranchId);
        var incident = (await Manager.ReportAsync(scope, key.Id, Admin))!;
        var activity = await app.Services.GetRequiredService<LeakActivityReader>().ReadAsync(incident, 24);

        await Manager.RecordActivityAsync(scope, incident.Id, activity, Admin);

        // Wider than the leaked key: refused, nothing created.
        await Assert.ThrowsAsync<DomainValidationException>(() =>
            Manager.IssueReplacementAsync(scope, incident.Id, new NewApiKey(key.Name, ["jobs:write", "invoices:read"]), Admin));
        var (_, replacement, secret) = (await Manager.IssueReplacementAsync(scope, incident.Id,
            new NewApiKey(key.Name, ["jobs:read"], DateTime.UtcNow.AddDays(90)), Admin))!.Value;
        using (var client = app.CreateClient(secret))
            await client.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);

        foreach (var item in Incident.Checklist) await Manager.TickAsync(scope, incident.Id, item.Id, true, Admin);
        await Manager.CloseAsync(scope, incident.Id, Admin);

        await using var db = await app.CreateDbContextAsync();
        var stored = await db.Incidents.SingleAsync(i => i.Id == incident.Id);
        Assert.Equal(IncidentStep.Closed, stored.Step);
        Assert.Equal(replacement.Id, stored.ReplacementKeyId);
        Assert.Equal(Incident.Checklist.Count, stored.Ticks.Count);
        Assert.All(stored.Ticks, t => Assert.Equal("admin@acme.test", t.By.Name));
        Assert.Equal(24, LeakActivityJson.Deserialize(stored.ActivitySummary)!.Hours);
        Assert.DoesNotContain(secret, stored.ActivitySummary!);
        Assert.Equal(1, await db.ApiKeys.CountAsync(k => k.Name == key.Name && k.RevokedAt == null));
        var audit = await db.AuditEvents.Where(e => e.ApiKeyId == key.Id).Select(e => e.Type).ToListAsync();
        Assert.Equal([AuditEventType.IncidentOpened, AuditEventType.IncidentActivityReviewed, AuditEventType.IncidentReplacementIssued, AuditEventType.IncidentClosed],
            audit.Where(t => (int)t >= 1200).ToList());
    }
}
