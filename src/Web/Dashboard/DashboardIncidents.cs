using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Incidents;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Data;
using FieldCamp.Web.Incidents;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Dashboard;

/// <summary>An incident with what its pages show beside it: the leaked key as it is now, and its replacement's name.</summary>
public sealed record IncidentView(Incident Incident, ApiKey Key, string? ReplacementName, LeakActivity? Activity);

/// <summary>A record a key created or last changed: its kind, id, name, what the key did ("created", "changed" or both) and when it last changed.</summary>
public sealed record KeyChangedRecord(string Kind, string Id, string Label, string Change, DateTime At);

/// <summary>
/// What the leak pages read and do, within the workspace's current branch. Everyone in the company may read incidents
/// (members see keys read-only too); every change re-reads the person's role first, then goes through
/// <see cref="IncidentManager"/>, exactly like the secret scanning endpoint.
/// </summary>
internal sealed class DashboardIncidents(
    IDbContextFactory<AppDbContext> dbFactory, IncidentManager manager, LeakActivityReader activity, Workspace workspace, TimeProvider time)
{
    public DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>The branch's incidents newest first; one key's when <paramref name="keyId"/> is given.</summary>
    public async Task<IReadOnlyList<Incident>> ListAsync(string? keyId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = workspace.KeyScope;
        var incidents = db.Incidents.AsNoTracking().Where(i => i.BranchId == scope.BranchId && i.CompanyId == scope.CompanyId);
        if (keyId is not null) incidents = incidents.Where(i => i.ApiKeyId == keyId);
        return await incidents.OrderByDescending(i => i.Id).Take(500).ToListAsync(cancellationToken);
    }

    public async Task<IncidentView?> GetAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = workspace.KeyScope;
        var incident = await db.Incidents.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == incidentId && i.BranchId == scope.BranchId && i.CompanyId == scope.CompanyId, cancellationToken);
        return incident is null ? null : await ViewAsync(db, incident, cancellationToken);
    }

    /// <summary>The key's open incident (the response under way), if it has one.</summary>
    public async Task<IncidentView?> OpenForKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = workspace.KeyScope;
        var incident = await db.Incidents.AsNoTracking()
            .Where(i => i.ApiKeyId == keyId && i.ClosedAt == null && i.BranchId == scope.BranchId && i.CompanyId == scope.CompanyId)
            .OrderByDescending(i => i.Id).FirstOrDefaultAsync(cancellationToken);
        return incident is null ? null : await ViewAsync(db, incident, cancellationToken);
    }

    /// <summary>
    /// The branch's records this key created or was the last to change, newest change first (at most
    /// <paramref name="max"/>): what to check after a leak. A record the key changed but someone changed after it no
    /// longer names the key as its last editor, so it shows only if the key created it.
    /// </summary>
    public async Task<IReadOnlyList<KeyChangedRecord>> RecordsChangedByAsync(string keyId, int max = 50, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var branchId = workspace.KeyScope.BranchId;
        IQueryable<T> By<T>(IQueryable<T> set) where T : BranchRecord =>
            set.AsNoTracking().Where(r => r.BranchId == branchId && (r.CreatedByKeyId == keyId || r.UpdatedByKeyId == keyId))
                .OrderByDescending(r => r.UpdatedAt).Take(max);
        KeyChangedRecord Row(string kind, BranchRecord r, string label) =>
            new(kind, r.Id, label, (r.CreatedByKeyId == keyId, r.UpdatedByKeyId == keyId && r.UpdatedAt > r.CreatedAt) switch
            {
                (true, true) => "created, changed",
                (true, false) => "created",
                _ => "changed",
            }, r.UpdatedAt);
        var rows = new List<KeyChangedRecord>();
        rows.AddRange((await By(db.Clients).ToListAsync(cancellationToken)).Select(c => Row("Client", c, c.Name)));
        rows.AddRange((await By(db.Jobs).ToListAsync(cancellationToken)).Select(j => Row("Job", j, j.Title)));
        rows.AddRange((await By(db.Visits).ToListAsync(cancellationToken)).Select(v => Row("Visit", v, $"{v.Status}, {v.StartsAt:yyyy-MM-dd HH:mm} UTC")));
        rows.AddRange((await By(db.Invoices).ToListAsync(cancellationToken)).Select(i => Row("Invoice", i, $"{i.Number} ({i.Status})")));
        rows.AddRange((await By(db.Items).ToListAsync(cancellationToken)).Select(i => Row("Item", i, i.Name)));
        return [.. rows.OrderByDescending(r => r.At).Take(max)];
    }

    public Task<LeakActivity> ActivityAsync(Incident incident, int hours, CancellationToken cancellationToken = default) =>
        activity.ReadAsync(incident, hours, cancellationToken);

    /// <summary>Revokes the key and opens its incident (or returns the one already open). Null when the branch has no such key.</summary>
    public async Task<Incident?> ReportAsync(string keyId)
    {
        await RequireKeyManagerAsync();
        return await manager.ReportAsync(workspace.KeyScope, keyId, Me());
    }

    public async Task RecordActivityAsync(string incidentId, LeakActivity summary)
    {
        await RequireKeyManagerAsync();
        await manager.RecordActivityAsync(workspace.KeyScope, incidentId, summary, Me());
    }

    public async Task<(ApiKey Key, string Secret)?> IssueReplacementAsync(string incidentId, NewApiKey spec)
    {
        await RequireKeyManagerAsync();
        return await manager.IssueReplacementAsync(workspace.KeyScope, incidentId, spec, Me()) is var (_, key, secret) ? (key, secret) : null;
    }

    public async Task SkipReplacementAsync(string incidentId)
    {
        await RequireKeyManagerAsync();
        await manager.SkipReplacementAsync(workspace.KeyScope, incidentId, Me());
    }

    public async Task TickAsync(string incidentId, string item, bool done)
    {
        await RequireKeyManagerAsync();
        await manager.TickAsync(workspace.KeyScope, incidentId, item, done, Me());
    }

    public async Task CloseAsync(string incidentId)
    {
        await RequireKeyManagerAsync();
        await manager.CloseAsync(workspace.KeyScope, incidentId, Me());
    }

    private static async Task<IncidentView> ViewAsync(AppDbContext db, Incident incident, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.AsNoTracking().FirstAsync(k => k.Id == incident.ApiKeyId, cancellationToken);
        var replacementName = incident.ReplacementKeyId is { } id
            ? await db.ApiKeys.AsNoTracking().Where(k => k.Id == id).Select(k => k.Name).FirstOrDefaultAsync(cancellationToken)
            : null;
        return new IncidentView(incident, key, replacementName, LeakActivityJson.Deserialize(incident.ActivitySummary));
    }

    private Actor Me() => workspace.Actor;

    private Task RequireKeyManagerAsync() => workspace.RequireKeyManagerAsync("Only owners and admins can respond to a leaked key.");
}
