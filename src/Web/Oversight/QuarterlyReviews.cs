using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Oversight;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Data;
using FieldCamp.Web.Usage;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Oversight;

/// <summary>A key created or rotated in the review's quarter, and when.</summary>
public sealed record QuarterChange(string What, DateTime At);

/// <summary>One key of a review as the page and the CSV show it: the snapshot, the key as it is now, its use, and the decision.</summary>
public sealed record ReviewRow(
    string KeyId, string BranchId, string BranchName, string Name, string? Hint, ApiKeyStatus Status, string? OwnerEmail,
    IReadOnlyList<string> Granted, ScopeSuggestion Use, DateTime CreatedAt, DateTime? LastUsedAt, bool Dormant,
    QuarterChange? ChangedThisQuarter, DateTime? ExpiresAt, ReviewDecision? Decision, string? Note, DateTime? DecidedAt, string? DecidedBy)
{
    public bool IsRevoked => Status == ApiKeyStatus.Revoked;
}

/// <summary>A review with its rows, grouped by branch in the order the page shows them.</summary>
public sealed record ReviewView(string Id, Quarter Quarter, DateTime CreatedAt, string CreatedBy, DateTime? CompletedAt, string? CompletedBy,
    ReviewSummary Summary, IReadOnlyList<ReviewRow> Rows)
{
    public bool IsComplete => CompletedAt is not null;
    public bool CanComplete => !IsComplete && Summary.Decided == Summary.Reviewed;
}

/// <summary>A review in the list of quarters.</summary>
public sealed record ReviewListing(Quarter Quarter, DateTime? CompletedAt, ReviewSummary Summary);

/// <summary>Reads and opens reviews: shared by the dashboard page and the CSV download.</summary>
internal static class QuarterlyReviews
{
    /// <summary>How long a key may go unused before the review calls it dormant, a candidate for deletion.</summary>
    public static readonly TimeSpan DormantAfter = ApiKeyStatusRules.StaleAfter;

    public static Task<QuarterlyReview?> FindAsync(AppDbContext db, string companyId, Quarter quarter, CancellationToken cancellationToken = default) =>
        db.QuarterlyReviews.Include(r => r.Items)
            .FirstOrDefaultAsync(r => r.CompanyId == companyId && r.Year == quarter.Year && r.Number == quarter.Number, cancellationToken);

    /// <summary>
    /// The company's review of <paramref name="quarter"/>, opened now over the company's active keys if there is none yet.
    /// Two owners opening it at the same moment get the same review: the second insert fails on the unique index.
    /// </summary>
    public static async Task<QuarterlyReview> OpenAsync(IDbContextFactory<AppDbContext> dbFactory, string companyId, Quarter quarter,
        Actor actor, DateTime nowUtc, CancellationToken cancellationToken = default)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (await FindAsync(db, companyId, quarter, cancellationToken) is { } existing) return existing;
            var keys = await db.ApiKeys.AsNoTracking().Where(k => k.CompanyId == companyId).Usable(nowUtc)
                .OrderBy(k => k.BranchId).ThenBy(k => k.Name)
                .Select(k => new { k.Id, k.BranchId, k.Name, k.Scopes }).ToListAsync(cancellationToken);
            var review = QuarterlyReview.Open(companyId, quarter, keys.Select(k => new ReviewedKey(k.Id, k.BranchId, k.Name, k.Scopes)), actor, nowUtc);
            db.QuarterlyReviews.Add(review);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return review;
            }
            catch (DbUpdateException)
            {
                // Someone else opened it a moment ago; theirs is the review.
            }
        }
        await using var again = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await FindAsync(again, companyId, quarter, cancellationToken)
            ?? throw new InvalidOperationException("The quarterly review could neither be opened nor found.");
    }

    public static async Task<IReadOnlyList<ReviewListing>> ListAsync(AppDbContext db, string companyId, CancellationToken cancellationToken = default)
    {
        var reviews = await db.QuarterlyReviews.AsNoTracking().Include(r => r.Items).Where(r => r.CompanyId == companyId)
            .OrderByDescending(r => r.Year).ThenByDescending(r => r.Number).ToListAsync(cancellationToken);
        return [.. reviews.Select(r => new ReviewListing(r.Quarter, r.CompletedAt, r.Summary))];
    }

    /// <summary>The review's rows: its snapshot joined to the keys as they are now, their last 90 days of scope use and their owners.</summary>
    public static async Task<ReviewView> ViewAsync(AppDbContext db, QuarterlyReview review, DateTime nowUtc, CancellationToken cancellationToken = default)
    {
        var keyIds = review.Items.Select(i => i.ApiKeyId).ToList();
        var keys = await db.ApiKeys.AsNoTracking().Where(k => keyIds.Contains(k.Id) && k.CompanyId == review.CompanyId)
            .ToDictionaryAsync(k => k.Id, cancellationToken);
        var replacementIds = keys.Values.Select(k => k.ReplacedByKeyId).OfType<string>().ToList();
        var replacedAt = await db.ApiKeys.AsNoTracking().Where(k => replacementIds.Contains(k.Id))
            .ToDictionaryAsync(k => k.Id, k => k.CreatedAt, cancellationToken);
        var ownerIds = keys.Values.Select(k => k.OwnerId).OfType<string>().Distinct().ToList();
        var emails = await db.Users.Where(u => ownerIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email, cancellationToken);
        var branches = await db.Branches.AsNoTracking().Where(b => b.CompanyId == review.CompanyId)
            .ToDictionaryAsync(b => b.Id, b => b.Name, cancellationToken);
        var since = DateOnly.FromDateTime(nowUtc).AddDays(-ScopeUsage.SuggestionDays);
        var used = await ScopeUsage.UsedSinceAsync(db, keyIds, since, cancellationToken);
        var quarter = review.Quarter;

        var rows = review.Items.Select(item =>
        {
            var key = keys.GetValueOrDefault(item.ApiKeyId);
            var granted = key?.Scopes ?? item.Scopes;
            var use = LeastPrivilege.Suggest(granted, used.GetValueOrDefault(item.ApiKeyId) ?? []);
            QuarterChange? change = null;
            if (key is not null && quarter.Contains(key.CreatedAt))
                change = new(key.ReplacesKeyId is null ? "Created" : "Rotated (replacement)", key.CreatedAt);
            else if (key?.ReplacedByKeyId is { } next && replacedAt.TryGetValue(next, out var rotatedAt) && quarter.Contains(rotatedAt))
                change = new("Rotated", rotatedAt);
            return new ReviewRow(item.ApiKeyId, item.BranchId, branches.GetValueOrDefault(item.BranchId, item.BranchId), key?.Name ?? item.KeyName,
                key?.Hint, key?.StatusAt(nowUtc) ?? ApiKeyStatus.Revoked, key?.OwnerId is { } owner ? emails.GetValueOrDefault(owner) : null,
                granted, use, key?.CreatedAt ?? review.CreatedAt, key?.LastUsedAt,
                key is not null && key.RevokedAt is null && key.IsStaleAt(nowUtc),
                change, key?.ExpiresAt, item.Decision, item.Note, item.DecidedAt, item.DecidedBy?.Name);
        }).OrderBy(r => r.BranchName, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ToList();

        return new ReviewView(review.Id, quarter, review.CreatedAt, review.CreatedBy.Name, review.CompletedAt, review.CompletedBy?.Name,
            review.Summary, rows);
    }
}
