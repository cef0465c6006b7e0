using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Audit;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Dashboard;

/// <summary>An audit event as the log shows it: the branch by name, owner changes by e-mail.</summary>
public sealed record AuditLogRow(
    long Id, AuditEventType Type, DateTime OccurredAt, Actor Actor, string? BranchId, string BranchName, string? ApiKeyId,
    string? Subject, IReadOnlyList<AuditChange> Changes, string? Note);

/// <summary>A choice of the key filter.</summary>
public sealed record AuditKeyChoice(string Id, string Name);

/// <summary>
/// What the Audit log page reads. Owners read every branch of the company and the company-wide events; admins the
/// branch they work in and the company-wide events; members nothing. The role is read from the database on every call,
/// so a member (or a person demoted a minute ago) is refused here whatever the page shows.
/// </summary>
internal sealed class DashboardAuditLog(IDbContextFactory<AppDbContext> dbFactory, Workspace workspace, TimeProvider time)
{
    public const string Refusal = "Only owners and admins can read the audit log.";
    private const string OwnerField = "owner";

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>What the signed-in person may read now; refuses members.</summary>
    public async Task<AuditVisibility> VisibilityAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await VisibilityAsync(db, workspace.UserId, workspace.KeyScope.CompanyId, workspace.KeyScope.BranchId, cancellationToken)
            ?? throw new DashboardForbiddenException(Refusal);
    }

    /// <summary>The visibility rule itself, shared with the CSV download (which has a request but no workspace).</summary>
    internal static async Task<AuditVisibility?> VisibilityAsync(AppDbContext db, string userId, string companyId, string branchId,
        CancellationToken cancellationToken)
    {
        var role = await db.Memberships.Where(m => m.UserId == userId && m.CompanyId == companyId)
            .Select(m => (Role?)m.Role).FirstOrDefaultAsync(cancellationToken);
        return role switch
        {
            Role.Owner => new AuditVisibility(companyId, null, CompanyWide: true),
            Role.Admin when await db.Branches.AnyAsync(b => b.Id == branchId && b.CompanyId == companyId, cancellationToken) =>
                new AuditVisibility(companyId, [branchId], CompanyWide: true),
            _ => null,
        };
    }

    public async Task<(IReadOnlyList<AuditLogRow> Rows, int Total)> ListAsync(AuditLogFilter filter, int page, int pageSize,
        CancellationToken cancellationToken = default)
    {
        var visibility = await VisibilityAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var events = db.AuditEvents.AsNoTracking().Visible(visibility).Matching(filter);
        var total = await events.CountAsync(cancellationToken);
        var rows = await events.LatestFirst().Skip(page * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return (await ToRowsAsync(db, rows, cancellationToken), total);
    }

    /// <summary>Every matching event, newest first, read as it is written out (for the CSV), never all in memory.</summary>
    internal static async IAsyncEnumerable<AuditLogRow> StreamAsync(AppDbContext db, AuditVisibility visibility, AuditLogFilter filter,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int Batch = 500;
        long? before = null;
        while (true)
        {
            var events = db.AuditEvents.AsNoTracking().Visible(visibility).Matching(filter);
            if (before is { } id) events = events.Where(e => e.Id < id);
            var batch = await events.NewestFirst().Take(Batch).ToListAsync(cancellationToken);
            foreach (var row in await ToRowsAsync(db, batch, cancellationToken)) yield return row;
            if (batch.Count < Batch) yield break;
            before = batch[^1].Id;
        }
    }

    /// <summary>The company's people, for the actor filter.</summary>
    public async Task<IReadOnlyList<TeamMember>> PeopleAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var companyId = workspace.KeyScope.CompanyId;
        return await (
            from m in db.Memberships
            where m.CompanyId == companyId
            join u in db.Users on m.UserId equals u.Id
            orderby u.Email
            select new TeamMember(u.Id, u.Email!, u.DisplayName)).ToListAsync(cancellationToken);
    }

    /// <summary>Keys whose name or id contains <paramref name="search"/>, in the branches the person may read, for the key filter.</summary>
    public async Task<IReadOnlyList<AuditKeyChoice>> FindKeysAsync(string? search, CancellationToken cancellationToken = default)
    {
        var visibility = await VisibilityAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var keys = db.ApiKeys.AsNoTracking().Where(k => k.CompanyId == visibility.CompanyId);
        if (visibility.BranchIds is { } branches)
        {
            var ids = branches.ToList();
            keys = keys.Where(k => ids.Contains(k.BranchId));
        }
        if (!string.IsNullOrWhiteSpace(search))
        {
            var text = search.Trim();
            keys = keys.Where(k => k.Name.Contains(text) || k.Id.Contains(text));
        }
        return await keys.OrderByDescending(k => k.Id).Take(20).Select(k => new AuditKeyChoice(k.Id, k.Name)).ToListAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<AuditLogRow>> ToRowsAsync(AppDbContext db, List<AuditEvent> events, CancellationToken cancellationToken)
    {
        var branchIds = events.Select(e => e.BranchId).OfType<string>().Distinct().ToList();
        var branches = branchIds.Count == 0 ? []
            : await db.Branches.Where(b => branchIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, b => b.Name, cancellationToken);
        // The trail stores a key's owner as a user id (an e-mail can change); people read e-mails.
        var ownerIds = events.SelectMany(e => e.Changes).Where(c => c.Field == OwnerField).SelectMany(c => new[] { c.From, c.To })
            .OfType<string>().Distinct().ToList();
        var emails = ownerIds.Count == 0 ? []
            : await db.Users.Where(u => ownerIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email!, cancellationToken);
        string? Email(string? userId) => userId is null ? null : emails.GetValueOrDefault(userId, DashboardKeys.DeletedUser);

        return [.. events.Select(e => new AuditLogRow(e.Id, e.Type, e.OccurredAt, e.Actor, e.BranchId,
            e.BranchId is null ? "Company-wide" : branches.GetValueOrDefault(e.BranchId, e.BranchId),
            e.ApiKeyId, e.Subject,
            [.. e.Changes.Select(c => c.Field == OwnerField ? c with { From = Email(c.From), To = Email(c.To) } : c)], e.Note))];
    }
}
