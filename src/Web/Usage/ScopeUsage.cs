using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Usage;

/// <summary>Reads the per-day scope tallies that <see cref="UsageWriter"/> rolls up.</summary>
internal static class ScopeUsage
{
    /// <summary>The days a least-privilege suggestion weighs.</summary>
    public const int SuggestionDays = 90;

    /// <summary>For each of <paramref name="keyIds"/>, the scopes its allowed requests needed on or after <paramref name="since"/>.</summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> UsedSinceAsync(
        AppDbContext db, IReadOnlyCollection<string> keyIds, DateOnly since, CancellationToken cancellationToken = default)
    {
        var rows = await db.ScopeUseDays
            .Where(d => keyIds.Contains(d.ApiKeyId) && d.Day >= since && d.Allowed > 0)
            .Select(d => new { d.ApiKeyId, d.Scope }).Distinct().ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.ApiKeyId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(r => r.Scope)]);
    }
}
