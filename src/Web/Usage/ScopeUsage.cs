using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Usage;

/// <summary>
/// One scope's requests for a key: allowed and refused in the usage window, and refused in the (shorter) window the page
/// reports refusals for.
/// </summary>
public sealed record ScopeCount(string Scope, long Allowed, long Refused, long RecentlyRefused);

/// <summary>
/// A key's scope use as its page shows it: <see cref="Counts"/> per scope its requests needed (since
/// <see cref="UsedSince"/>; recent refusals since <see cref="RefusedSince"/>), most used first.
/// </summary>
public sealed record KeyScopeUse(DateOnly UsedSince, DateOnly RefusedSince, IReadOnlyList<ScopeCount> Counts)
{
    public IReadOnlyList<string> Used => [.. Counts.Where(c => c.Allowed > 0).Select(c => c.Scope)];

    /// <summary>Scopes the key's requests needed, allowed or not: a scope granted after its refusals is still wanted.</summary>
    public IReadOnlyList<string> Needed => [.. Counts.Where(c => c.Allowed > 0 || c.Refused > 0).Select(c => c.Scope)];
}

/// <summary>Reads the per-day scope tallies that <see cref="UsageWriter"/> rolls up. Days are UTC days.</summary>
internal static class ScopeUsage
{
    /// <summary>The days a least-privilege suggestion weighs.</summary>
    public const int SuggestionDays = 90;

    /// <summary>The days a key's page looks back for refused requests.</summary>
    public const int RefusalDays = 7;

    /// <summary>The first day of a window of <paramref name="days"/> whole UTC days that ends with <paramref name="today"/>.</summary>
    public static DateOnly WindowStart(DateOnly today, int days) => today.AddDays(1 - days);

    /// <summary>
    /// For each of <paramref name="keyIds"/>, the scopes its allowed requests needed on or after <paramref name="since"/>,
    /// in one query. Every key asked about is in the answer; a key with no use has an empty list.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> UsedSinceAsync(
        AppDbContext db, IReadOnlyCollection<string> keyIds, DateOnly since, CancellationToken cancellationToken = default)
    {
        var rows = await db.ScopeUseDays
            .Where(d => keyIds.Contains(d.ApiKeyId) && d.Day >= since && d.Allowed > 0)
            .Select(d => new { d.ApiKeyId, d.Scope }).Distinct().ToListAsync(cancellationToken);
        var used = rows.GroupBy(r => r.ApiKeyId).ToDictionary(g => g.Key, g => g.Select(r => r.Scope).Order(StringComparer.Ordinal).ToList());
        return keyIds.Distinct().ToDictionary(id => id, id => (IReadOnlyList<string>)(used.GetValueOrDefault(id) ?? []));
    }

    /// <summary>The scopes one key's allowed requests needed on or after <paramref name="since"/>.</summary>
    public static async Task<IReadOnlyList<string>> UsedSinceAsync(
        AppDbContext db, string keyId, DateOnly since, CancellationToken cancellationToken = default) =>
        (await UsedSinceAsync(db, [keyId], since, cancellationToken))[keyId];

    /// <summary>
    /// One key's requests per scope over the last <see cref="SuggestionDays"/> days, with those refused in the last
    /// <see cref="RefusalDays"/> apart, both windows ending with <paramref name="today"/>. One query.
    /// </summary>
    public static async Task<KeyScopeUse> ForKeyAsync(AppDbContext db, string keyId, DateOnly today, CancellationToken cancellationToken = default)
    {
        var usedSince = WindowStart(today, SuggestionDays);
        var refusedSince = WindowStart(today, RefusalDays);
        var counts = await db.ScopeUseDays.AsNoTracking()
            .Where(d => d.ApiKeyId == keyId && d.Day >= usedSince)
            .GroupBy(d => d.Scope)
            .Select(g => new ScopeCount(g.Key, g.Sum(d => d.Allowed), g.Sum(d => d.Refused), g.Sum(d => d.Day >= refusedSince ? d.Refused : 0)))
            .ToListAsync(cancellationToken);
        return new KeyScopeUse(usedSince, refusedSince,
            [.. counts.Where(c => c.Allowed > 0 || c.Refused > 0).OrderByDescending(c => c.Allowed).ThenBy(c => c.Scope, StringComparer.Ordinal)]);
    }
}
