using FieldCamp.Domain.Notices;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Notices;

/// <summary>A notice as one person sees it.</summary>
public sealed record NoticeItem(
    long Id, NoticeKind Kind, string ApiKeyId, string KeyName, string BranchId, string BranchName, string Message, DateTime CreatedAt, bool Read);

/// <summary>
/// The bell's side of notices, for the signed-in person of this circuit: owners and admins of the current company see
/// its notices and mark them read for themselves; anyone else sees none and changes nothing.
/// </summary>
internal sealed class NoticeBoard(IDbContextFactory<AppDbContext> dbFactory, Workspace workspace, TimeProvider time)
{
    public const int PageSize = 100;

    public bool IsAvailable => workspace.IsLoaded && workspace.CanManageKeys;

    /// <summary>Whether a change to this company's notices concerns the person of this circuit.</summary>
    public bool Concerns(string companyId) => IsAvailable && workspace.Company!.Id == companyId;

    /// <summary>Raised after this person marks notices read here, so the bell of the same circuit recounts at once.</summary>
    public event Action? Changed;

    public async Task<int> UnreadCountAsync()
    {
        if (!IsAvailable) return 0;
        await using var db = await dbFactory.CreateDbContextAsync();
        return await Unread(db).CountAsync();
    }

    /// <summary>The company's notices, newest first.</summary>
    public async Task<IReadOnlyList<NoticeItem>> ListAsync(bool unreadOnly)
    {
        if (!IsAvailable) return [];
        await using var db = await dbFactory.CreateDbContextAsync();
        var notices = unreadOnly ? Unread(db) : db.Notices.Where(n => n.CompanyId == workspace.Company!.Id);
        var userId = workspace.UserId;
        return await (
            from n in notices
            join b in db.Branches on n.BranchId equals b.Id
            orderby n.CreatedAt descending, n.Id descending
            select new NoticeItem(n.Id, n.Kind, n.ApiKeyId, n.KeyName, n.BranchId, b.Name, n.Message, n.CreatedAt,
                db.NoticeReads.Any(r => r.NoticeId == n.Id && r.UserId == userId)))
            .Take(PageSize).ToListAsync();
    }

    /// <summary>Marks the given notices (of this company) read for this person; null marks them all.</summary>
    public async Task MarkReadAsync(IReadOnlyCollection<long>? ids = null)
    {
        if (!IsAvailable) return;
        await using var db = await dbFactory.CreateDbContextAsync();
        var unread = Unread(db);
        if (ids is not null) unread = unread.Where(n => ids.Contains(n.Id));
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var id in await unread.Select(n => n.Id).ToListAsync())
            db.NoticeReads.Add(new NoticeRead(id, workspace.UserId, now));
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateException)
        {
            // The same person marked them in another tab at the same moment: they are read either way.
        }
        Changed?.Invoke();
    }

    private IQueryable<Notice> Unread(AppDbContext db)
    {
        var (companyId, userId) = (workspace.Company!.Id, workspace.UserId);
        return db.Notices.Where(n => n.CompanyId == companyId && !db.NoticeReads.Any(r => r.NoticeId == n.Id && r.UserId == userId));
    }
}
