using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.KeyPolicies;

/// <summary>The policy as the page shows it, with its last change (who and when), if any.</summary>
public sealed record KeyPolicyView(CompanyKeyPolicy Current, int ConfiguredLimit, Actor? ChangedBy, DateTime? ChangedAt);

/// <summary>
/// The Key policy page's reads and changes, for the current company. Owners only: every call re-reads the person's role
/// from the database, so an admin (or an owner demoted a minute ago) is refused here whatever the page shows.
/// </summary>
internal sealed class DashboardKeyPolicy(IDbContextFactory<AppDbContext> dbFactory, CompanyKeyPolicies policies, Workspace workspace, TimeProvider time)
{
    public const string OwnersOnly = "Only the company's owners can see and change its key policy.";

    private string CompanyId => workspace.KeyScope.CompanyId;

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<KeyPolicyView> GetAsync(CancellationToken cancellationToken = default)
    {
        await RequireOwnerAsync(cancellationToken);
        var current = await policies.GetAsync(CompanyId, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var last = await db.AuditEvents.AsNoTracking()
            .Where(e => e.CompanyId == CompanyId && e.Type == AuditEventType.KeyPolicyChanged)
            .OrderByDescending(e => e.Id).FirstOrDefaultAsync(cancellationToken);
        return new KeyPolicyView(current, policies.ConfiguredLimit, last?.Actor, last?.OccurredAt);
    }

    /// <summary>Saves the settings, audited as one company-wide event listing each change; invalid settings are a DomainValidationException.</summary>
    public async Task<KeyPolicyView> SaveAsync(KeyPolicySettings settings, CancellationToken cancellationToken = default)
    {
        await RequireOwnerAsync(cancellationToken);
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var (_, policy) = await CompanyKeyPolicies.LoadAsync(db, CompanyId, tracked: true, cancellationToken);
            if (db.Entry(policy).State == EntityState.Detached) db.KeyPolicies.Add(policy);
            if (policy.Change(settings, workspace.Actor, time.GetUtcNow().UtcDateTime) is { } changed)
            {
                db.AuditEvents.Add(changed);
                await db.SaveChangesAsync(cancellationToken);
                policies.Saved(CompanyId);
            }
        }
        return await GetAsync(cancellationToken);
    }

    private async Task RequireOwnerAsync(CancellationToken cancellationToken)
    {
        if (!workspace.IsLoaded) throw new DashboardForbiddenException(OwnersOnly);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (userId, companyId) = (workspace.UserId, CompanyId);
        if (!await db.Memberships.AnyAsync(m => m.UserId == userId && m.CompanyId == companyId && m.Role == Role.Owner, cancellationToken))
            throw new DashboardForbiddenException(OwnersOnly);
    }
}
