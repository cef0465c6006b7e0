using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Incidents;
using FieldCamp.Domain.Notices;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.KeyPolicies;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Incidents;

/// <summary>
/// The one way leak incidents change, for the dashboard and the secret scanning endpoint: loads the incident within its
/// branch, applies the domain verb (which queues the audit event), and saves both together. Opening an incident revokes
/// the key in the same transaction and evicts it from the credential cache before returning, exactly as a revoke does,
/// so the key's next request is refused.
/// </summary>
internal sealed class IncidentManager(IDbContextFactory<AppDbContext> dbFactory, CredentialCache credentials, TimeProvider time)
{
    /// <summary>
    /// Revokes the key and opens its incident. When the key already has an open incident, that one is returned and nothing
    /// changes: a second admin pressing "Report leaked" joins the response under way. Null when the branch has no such key.
    /// </summary>
    public async Task<Incident?> ReportAsync(KeyScope scope, string keyId, Actor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.BranchId == scope.BranchId && k.CompanyId == scope.CompanyId, cancellationToken);
        if (key is null) return null;
        var open = await db.Incidents.AsNoTracking().Where(i => i.ApiKeyId == keyId && i.ClosedAt == null)
            .OrderByDescending(i => i.Id).FirstOrDefaultAsync(cancellationToken);
        if (open is not null && key.RevokedAt is not null) return open;

        var incident = Incident.Open(key, IncidentSource.Manual, actor, Now);
        db.Incidents.Add(incident);
        var notice = LeakNotice(incident, $"Reported as leaked by {actor.Name} and revoked. Review what it did, issue a replacement and clean up where it was stored.");
        db.Notices.Add(notice);
        var other = await ApiKeyManager.EndRotationOfAsync(db, key, actor, Now, cancellationToken);
        await SaveAndEvictAsync(db, key, other, cancellationToken);
        // The other owners and admins need to hear of it; the person who reported it knows.
        if (actor.Type == ActorType.Person)
        {
            db.NoticeReads.Add(new NoticeRead(notice.Id, actor.Id, Now));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Unread for them after all: a notice too many, nothing lost.
            }
        }
        return incident;
    }

    /// <summary>
    /// A secret scanner's report of a key found in public. A key that still works is revoked, an incident opened with the
    /// URL, and the company's owners and admins notified, all in one transaction; true then. False for a key that is
    /// unknown, revoked or expired: nothing changes.
    /// </summary>
    public async Task<bool> ReportFoundAsync(byte[] digest, string? url, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.SecretHash == digest, cancellationToken);
        var now = Now;
        if (key is null || !key.IsUsableAt(now)) return false;

        var incident = Incident.Open(key, IncidentSource.SecretScanning, Actor.SecretScanning, now, url);
        db.Incidents.Add(incident);
        db.Notices.Add(LeakNotice(incident,
            $"Found in public by GitHub secret scanning{(incident.ReportedUrl is null ? "" : $" ({incident.ReportedUrl})")} and revoked at once. Review what it did and issue a replacement."));
        var other = await ApiKeyManager.EndRotationOfAsync(db, key, Actor.SecretScanning, now, cancellationToken);
        await SaveAndEvictAsync(db, key, other, cancellationToken);
        return true;
    }

    public Task<Incident?> RecordActivityAsync(KeyScope scope, string incidentId, LeakActivity activity, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(scope, incidentId, (incident, _) => { incident.RecordActivity(LeakActivityJson.Serialize(activity), actor, Now); return Task.CompletedTask; }, cancellationToken);

    public Task<Incident?> SkipReplacementAsync(KeyScope scope, string incidentId, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(scope, incidentId, (incident, _) => { incident.SkipReplacement(actor, Now); return Task.CompletedTask; }, cancellationToken);

    public Task<Incident?> TickAsync(KeyScope scope, string incidentId, string item, bool done, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(scope, incidentId, (incident, _) => { incident.Tick(item, done, actor, Now); return Task.CompletedTask; }, cancellationToken);

    public Task<Incident?> CloseAsync(KeyScope scope, string incidentId, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(scope, incidentId, (incident, _) => { incident.Close(actor, Now); return Task.CompletedTask; }, cancellationToken);

    /// <summary>
    /// Issues the leaked key's replacement: the same or narrower scopes (never wider: a leak is no occasion to grant more),
    /// created and noted on the incident in one transaction. The secret is returned once, for the reveal.
    /// </summary>
    public async Task<(Incident Incident, ApiKey Key, string Secret)?> IssueReplacementAsync(KeyScope scope, string incidentId, NewApiKey spec,
        Actor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var incident = await FindAsync(db, scope, incidentId, cancellationToken);
        if (incident is null) return null;
        var leaked = await db.ApiKeys.AsNoTracking().FirstAsync(k => k.Id == incident.ApiKeyId, cancellationToken);
        // A replacement is a new key: the company's key policy holds for it as for any other.
        var (companyName, policy) = await CompanyKeyPolicies.LoadAsync(db, scope.CompanyId, tracked: false, cancellationToken);
        policy.Enforce(spec.ExpiresAt, Now, companyName);
        var (replacement, secret) = ApiKey.Create(scope.CompanyId, scope.BranchId, spec, actor, Now);
        var wider = Scopes.NotGrantableBy(leaked.Scopes, replacement.Scopes);
        if (wider.Count > 0)
            throw new DomainValidationException(new Dictionary<string, string[]>
            {
                ["scopes"] = [$"A replacement keeps or narrows the leaked key's scopes; not held by it: {string.Join(", ", wider)}."],
            });
        if (spec.OwnerId is not null && !await db.Memberships.AnyAsync(m => m.UserId == spec.OwnerId && m.CompanyId == scope.CompanyId, cancellationToken))
            throw new DomainValidationException(new Dictionary<string, string[]> { ["ownerId"] = ["The owner must be a member of this company."] });
        incident.AttachReplacement(replacement, actor, Now);
        db.ApiKeys.Add(replacement);
        await SaveAsync(db, cancellationToken);
        credentials.Created(replacement.SecretHash);
        return (incident, replacement, secret);
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private static Notice LeakNotice(Incident incident, string message) =>
        new(incident.CompanyId, incident.BranchId, incident.ApiKeyId, incident.KeyName, NoticeKind.LeakReported, message,
            $"leak:{incident.Id}", incident.OpenedAt);

    private async Task<Incident?> ChangeAsync(KeyScope scope, string incidentId, Func<Incident, AppDbContext, Task> change,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var incident = await FindAsync(db, scope, incidentId, cancellationToken);
        if (incident is null) return null;
        await change(incident, db);
        await SaveAsync(db, cancellationToken);
        return incident;
    }

    private static Task<Incident?> FindAsync(AppDbContext db, KeyScope scope, string incidentId, CancellationToken cancellationToken) =>
        db.Incidents.FirstOrDefaultAsync(i => i.Id == incidentId && i.BranchId == scope.BranchId && i.CompanyId == scope.CompanyId, cancellationToken);

    private static async Task SaveAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new DomainException("This incident was changed by someone else at the same moment. Reload it and try again.");
        }
    }

    private async Task SaveAndEvictAsync(AppDbContext db, ApiKey key, ApiKey? alsoChanged, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new DomainException("This key was changed by another request at the same moment. Reload it and try again.");
        }
        finally
        {
            credentials.Invalidate(key.SecretHash);
            if (alsoChanged is not null) credentials.Invalidate(alsoChanged.SecretHash);
        }
    }
}
