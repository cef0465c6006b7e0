using System.Globalization;
using System.Text;
using System.Linq.Expressions;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Data;
using FieldCamp.Web.Usage;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Dashboard;

public sealed record KeyRow(
    string Id, string Name, string Hint, IReadOnlyList<string> Scopes, string? OwnerEmail, DateTime CreatedAt,
    DateTime? ExpiresAt, DateTime? LastUsedAt, int? RateLimitPerMinute, ApiKeyStatus Status)
{
    /// <summary>How many of the key's requests were refused 429 (over its limit) in the last 24 hours.</summary>
    public int LimitedLast24Hours { get; init; }
}

/// <summary>The list's extra filters, beside status and scope: what the banners point at.</summary>
public enum KeyFlag { None, NoExpiry, FullAccess, HitLimit }

public sealed record KeyFilter(string? Search = null, ApiKeyStatus? Status = null, string? Scope = null, KeyFlag Flag = KeyFlag.None);

public sealed record KeyBanners(int Stale, int ExpiringSoon, int NoExpiry, int FullAccess, int HitLimit = 0);

public sealed record TeamMember(string Id, string Email, string DisplayName);

/// <summary>
/// One hour of a key's requests: all of them, and by outcome (2xx, 4xx other than 429, 429 refused over the limit, 5xx);
/// anything else (a 3xx) is only in the total.
/// </summary>
public sealed record HourlyCount(DateTime Hour, int Requests, int Succeeded = 0, int ClientErrors = 0, int Limited = 0, int ServerErrors = 0);

/// <summary>An entry of a key's history, with the owner changes naming people by e-mail rather than by user id.</summary>
public sealed record KeyEvent(AuditEventType Type, Actor Actor, DateTime OccurredAt, IReadOnlyList<AuditChange> Changes);

/// <summary>A key, its history (newest first) and its requests per hour over the last <c>Hours</c> hours.</summary>
public sealed record KeyDetail(ApiKey Key, string? OwnerEmail, IReadOnlyList<KeyEvent> Events, int Hours, IReadOnlyList<HourlyCount> RequestsPerHour)
{
    /// <summary>How many of the key's requests were refused 429 (over its limit) in the last 24 hours.</summary>
    public int LimitedLast24Hours { get; init; }
}

/// <summary>The dashboard refused an action the person's role does not allow.</summary>
public sealed class DashboardForbiddenException(string message) : Exception(message);

/// <summary>
/// What the API Keys pages read and do, always within the workspace's current branch. Reads are queries in the
/// database (filtering, sorting and paging included). Every change re-reads the person's role from the database
/// first, so a member is refused here whatever the page shows, and then goes through <see cref="ApiKeyManager"/>,
/// exactly like the API.
/// </summary>
internal sealed class DashboardKeys(IDbContextFactory<AppDbContext> dbFactory, ApiKeyManager manager, Workspace workspace, TimeProvider time)
{
    /// <summary>The longest window of activity the key page shows; the request log keeps more.</summary>
    public const int MaxActivityHours = 48;

    /// <summary>Shown for a person who was a key's owner and whose account no longer exists.</summary>
    public const string DeletedUser = "(deleted user)";

    private const string OwnerField = "owner";

    /// <summary>How far back "hit its limit" looks, on the list and the key page.</summary>
    public static readonly TimeSpan LimitWindow = TimeSpan.FromHours(24);

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public async Task<(IReadOnlyList<KeyRow> Rows, int Total)> ListAsync(KeyFilter filter, string? sortBy, bool sortDescending,
        int page, int pageSize, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = Now;
        var keys = Filter(db, db.ApiKeys.AsNoTracking().InBranch(workspace.KeyScope), filter, now);
        var total = await keys.CountAsync(cancellationToken);
        var refusals = Refusals(db, now);
        var rows = await (
            from k in Sort(keys, sortBy, sortDescending).Skip(page * pageSize).Take(pageSize)
            join u in db.Users on k.OwnerId equals u.Id into owners
            from owner in owners.DefaultIfEmpty()
            select new
            {
                Key = k,
                OwnerEmail = owner == null ? null : owner.Email,
                Limited = refusals.Where(r => r.ApiKeyId == k.Id).Sum(r => (int?)r.Count) ?? 0,
            }).ToListAsync(cancellationToken);
        return ([.. rows.Select(r => new KeyRow(r.Key.Id, r.Key.Name, r.Key.Hint, r.Key.Scopes, r.OwnerEmail, r.Key.CreatedAt,
            r.Key.ExpiresAt, r.Key.LastUsedAt, r.Key.RateLimitPerMinute, r.Key.StatusAt(now)) { LimitedLast24Hours = r.Limited })], total);
    }

    public async Task<KeyBanners> BannersAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = Now;
        var keys = db.ApiKeys.AsNoTracking().InBranch(workspace.KeyScope);
        return new KeyBanners(
            await keys.WithStatus(ApiKeyStatus.Stale, now).CountAsync(cancellationToken),
            await keys.WithStatus(ApiKeyStatus.ExpiringSoon, now).CountAsync(cancellationToken),
            await Filter(db, keys, new KeyFilter(Flag: KeyFlag.NoExpiry), now).CountAsync(cancellationToken),
            await Filter(db, keys, new KeyFilter(Flag: KeyFlag.FullAccess), now).CountAsync(cancellationToken),
            await Filter(db, keys, new KeyFilter(Flag: KeyFlag.HitLimit), now).CountAsync(cancellationToken));
    }

    public async Task<IReadOnlyList<TeamMember>> TeamAsync()
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var companyId = workspace.KeyScope.CompanyId;
        return await (
            from m in db.Memberships
            where m.CompanyId == companyId
            join u in db.Users on m.UserId equals u.Id
            orderby u.Email
            select new TeamMember(u.Id, u.Email!, u.DisplayName)).ToListAsync();
    }

    public async Task<KeyDetail?> GetAsync(string keyId, int hours = MaxActivityHours, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.AsNoTracking().InBranch(workspace.KeyScope).FirstOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (key is null) return null;
        var events = await db.AuditEvents.AsNoTracking().Where(e => e.ApiKeyId == keyId)
            .OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id).Take(100).ToListAsync(cancellationToken);

        // The audit trail stores the owner as a user id (an e-mail address can change); people read e-mails.
        var ownerIds = events.SelectMany(e => e.Changes).Where(c => c.Field == OwnerField).SelectMany(c => new[] { c.From, c.To })
            .Append(key.OwnerId).OfType<string>().Distinct().ToList();
        var emails = await db.Users.Where(u => ownerIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email!, cancellationToken);
        string? Email(string? userId) => userId is null ? null : emails.GetValueOrDefault(userId, DeletedUser);
        var history = events.Select(e => new KeyEvent(e.Type, e.Actor, e.OccurredAt,
            [.. e.Changes.Select(c => c.Field == OwnerField ? c with { From = Email(c.From), To = Email(c.To) } : c)])).ToList();

        hours = ActivityHours(hours);
        var since = ActivitySince(hours);
        // Per hour and status: a key answers with a handful of statuses, so this stays a few rows per hour.
        var perHour = await db.ApiKeyRequests.AsNoTracking().Where(r => r.ApiKeyId == keyId && r.At >= since)
            .GroupBy(r => new { r.At.Year, r.At.Month, r.At.Day, r.At.Hour, r.Status })
            .Select(g => new { g.Key.Year, g.Key.Month, g.Key.Day, g.Key.Hour, g.Key.Status, Count = g.Sum(r => r.Count) })
            .ToListAsync(cancellationToken);
        var byHour = perHour.ToLookup(h => new DateTime(h.Year, h.Month, h.Day, h.Hour, 0, 0, DateTimeKind.Utc));
        var hourly = Enumerable.Range(0, hours).Select(i => since.AddHours(i)).Select(hour =>
        {
            var rows = byHour[hour].ToList();
            int Sum(Func<int, bool> status) => rows.Where(r => status(r.Status)).Sum(r => r.Count);
            return new HourlyCount(hour, Sum(_ => true), Sum(s => s is >= 200 and < 300), Sum(s => s is >= 400 and < 500 and not 429),
                Sum(s => s == 429), Sum(s => s >= 500));
        }).ToList();
        var limited = await Refusals(db, Now).Where(r => r.ApiKeyId == keyId).SumAsync(r => (int?)r.Count, cancellationToken) ?? 0;
        return new KeyDetail(key, Email(key.OwnerId), history, hours, hourly) { LimitedLast24Hours = limited };
    }

    /// <summary>One page of a key's request log in the last <paramref name="hours"/> hours, newest first.</summary>
    public async Task<(IReadOnlyList<ApiKeyRequest> Rows, int Total)> RequestsAsync(string keyId, int hours, int page, int pageSize,
        CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var since = ActivitySince(hours);
        var inBranch = db.ApiKeys.InBranch(workspace.KeyScope).Where(k => k.Id == keyId);
        var requests = db.ApiKeyRequests.AsNoTracking().Where(r => r.ApiKeyId == keyId && r.At >= since && inBranch.Any());
        var total = await requests.CountAsync(cancellationToken);
        // Row ids follow the order the log was written in, which is not the order the requests came in.
        var rows = await requests.OrderByDescending(r => r.At).ThenByDescending(r => r.Id)
            .Skip(page * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return (rows, total);
    }

    private static int ActivityHours(int hours) => Math.Clamp(hours, 1, MaxActivityHours);

    /// <summary>The start of the first whole hour of the window, so the chart's bars are whole hours ending with the current one.</summary>
    private DateTime ActivitySince(int hours)
    {
        var now = Now;
        return new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(1 - ActivityHours(hours));
    }

    /// <summary>
    /// The name, as that key spells it, of another key of this branch that is not revoked and whose name reads the
    /// same; null when there is none. Two keys may share a name (the form only warns), so this is advice, not a rule.
    /// </summary>
    public async Task<string?> NameInUseAsync(string name, string? exceptKeyId = null, CancellationToken cancellationToken = default)
    {
        name = name.Trim();
        if (name.Length == 0) return null;
        // Compared here, not in SQL: names that read the same (another case, full-width letters, a Unicode hyphen, an
        // accent composed differently) count as the same name, which SQLite's ASCII-only lower() cannot tell.
        var wanted = Comparable(name);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var candidates = await db.ApiKeys.AsNoTracking().InBranch(workspace.KeyScope)
            .Where(k => k.RevokedAt == null && k.Id != exceptKeyId)
            .Select(k => k.Name).ToListAsync(cancellationToken);
        return candidates.FirstOrDefault(candidate => Comparable(candidate) == wanted);
    }

    private static string Comparable(string name) =>
        string.Concat(name.Normalize(NormalizationForm.FormKC).Select(c => CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.DashPunctuation ? '-' : c))
            .ToUpperInvariant();

    public async Task<(ApiKey Key, string Secret)> CreateAsync(NewApiKey spec)
    {
        await RequireKeyManagerAsync();
        return await manager.CreateAsync(workspace.KeyScope, spec, Me());
    }

    public async Task<ApiKey?> UpdateAsync(string keyId, ApiKeyUpdate update)
    {
        await RequireKeyManagerAsync();
        return await manager.UpdateAsync(workspace.KeyScope, keyId, update, Me());
    }

    public async Task<ApiKey?> RevokeAsync(string keyId)
    {
        await RequireKeyManagerAsync();
        return await manager.RevokeAsync(workspace.KeyScope, keyId, Me());
    }

    /// <summary>The key's scope use (allowed over 90 days, refused over 7); null when the key is not in this branch.</summary>
    public async Task<KeyScopeUse?> ScopeUseAsync(string keyId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.ApiKeys.InBranch(workspace.KeyScope).AnyAsync(k => k.Id == keyId, cancellationToken)) return null;
        return await ScopeUsage.ForKeyAsync(db, keyId, DateOnly.FromDateTime(Now), cancellationToken);
    }

    /// <summary>
    /// Grants one more scope, the one the key's requests were refused for: an edit like any other (audited, the cached
    /// credential evicted), by an owner or admin only. A write replaces the read it implies. Nothing changes when the key
    /// already has the scope.
    /// </summary>
    public async Task<ApiKey?> AddScopeAsync(string keyId, string scope)
    {
        await workspace.RequireKeyManagerAsync("Only owners and admins can change a key's scopes.");
        // Only a scope an endpoint can require: never "*" by this shortcut.
        if (!Scopes.Catalogue.Contains(scope)) throw new FieldCamp.Domain.DomainException($"'{scope}' is not a scope that can be added here.");
        await using var db = await dbFactory.CreateDbContextAsync();
        var key = await db.ApiKeys.AsNoTracking().InBranch(workspace.KeyScope).FirstOrDefaultAsync(k => k.Id == keyId);
        if (key is null || Scopes.Grants(key.Scopes, scope)) return key;
        var implied = Scopes.ImpliedRead(scope);
        return await manager.UpdateAsync(workspace.KeyScope, keyId, new ApiKeyUpdate(Scopes: [.. key.Scopes.Where(s => s != implied), scope]), Me());
    }

    private Actor Me() => workspace.Actor;

    private Task RequireKeyManagerAsync() => workspace.RequireKeyManagerAsync("Only owners and admins can create, change or revoke API keys.");

    /// <summary>The request log's 429s (requests refused over a limit) of the last 24 hours, in any branch: filter by key.</summary>
    private static IQueryable<ApiKeyRequest> Refusals(AppDbContext db, DateTime now)
    {
        var since = now - LimitWindow;
        return db.ApiKeyRequests.Where(r => r.Status == StatusCodes.Status429TooManyRequests && r.At >= since);
    }

    private static IQueryable<ApiKey> Filter(AppDbContext db, IQueryable<ApiKey> keys, KeyFilter filter, DateTime now)
    {
        keys = filter.Status is { } status ? keys.WithStatus(status, now) : keys.Where(k => k.RevokedAt == null);
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var pattern = "%" + filter.Search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            // Case-insensitive for ASCII letters on both engines: SQLite's LIKE is, PostgreSQL's ILIKE is under the C collation.
            keys = db.Database.IsNpgsql()
                ? keys.Where(k => EF.Functions.ILike(k.Name, pattern, "\\"))
                : keys.Where(k => EF.Functions.Like(k.Name, pattern, "\\"));
        }
        if (filter.Scope is { } scope)
        {
            // Keys that can do it, not only keys that list it: clients:write and * both grant clients:read.
            var granting = Scopes.GrantedBy(scope).ToList();
            keys = keys.Where(k => k.Scopes.Any(s => granting.Contains(s)));
        }
        return filter.Flag switch
        {
            KeyFlag.NoExpiry => keys.Usable(now).Where(k => k.ExpiresAt == null),
            KeyFlag.FullAccess => keys.Usable(now).Where(k => k.Scopes.Contains(Scopes.All)),
            KeyFlag.HitLimit => keys.Where(k => Refusals(db, now).Any(r => r.ApiKeyId == k.Id)),
            _ => keys,
        };
    }

    private static IQueryable<ApiKey> Sort(IQueryable<ApiKey> keys, string? sortBy, bool sortDescending)
    {
        Expression<Func<ApiKey, object?>>? column = sortBy switch
        {
            nameof(KeyRow.Name) => k => k.Name,
            nameof(KeyRow.ExpiresAt) => k => k.ExpiresAt,
            nameof(KeyRow.LastUsedAt) => k => k.LastUsedAt,
            nameof(KeyRow.RateLimitPerMinute) => k => k.RateLimitPerMinute,
            _ => null,
        };
        if (column is null) return sortDescending || sortBy is null ? keys.OrderByDescending(k => k.Id) : keys.OrderBy(k => k.Id);
        var sorted = sortDescending ? keys.OrderByDescending(column) : keys.OrderBy(column);
        return sorted.ThenByDescending(k => k.Id);
    }
}
