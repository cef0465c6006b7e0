using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Web.ApiKeys;

/// <summary>
/// The status rules of <see cref="ApiKey.StatusAt"/> as database filters, so lists filter and count in SQL.
/// Each filter matches exactly the keys whose <c>StatusAt(now)</c> is that status.
/// </summary>
internal static class ApiKeyQueries
{
    public static IQueryable<ApiKey> InBranch(this IQueryable<ApiKey> keys, KeyScope scope) =>
        keys.Where(k => k.BranchId == scope.BranchId && k.CompanyId == scope.CompanyId);

    public static IQueryable<ApiKey> WithStatus(this IQueryable<ApiKey> keys, ApiKeyStatus status, DateTime nowUtc)
    {
        var staleBefore = nowUtc - ApiKeyStatusRules.StaleAfter;
        var soon = nowUtc + ApiKeyStatusRules.ExpiringSoonWindow;
        return status switch
        {
            ApiKeyStatus.Revoked => keys.Where(k => k.RevokedAt != null),
            ApiKeyStatus.Expired => keys.Where(k => k.RevokedAt == null && k.ExpiresAt <= nowUtc),
            ApiKeyStatus.Stale => keys.Where(k => k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > nowUtc)
                && (k.LastUsedAt ?? k.CreatedAt) <= staleBefore),
            ApiKeyStatus.ExpiringSoon => keys.Where(k => k.RevokedAt == null && k.ExpiresAt > nowUtc && k.ExpiresAt <= soon
                && (k.LastUsedAt ?? k.CreatedAt) > staleBefore),
            _ => keys.Where(k => k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > soon)
                && (k.LastUsedAt ?? k.CreatedAt) > staleBefore),
        };
    }

    /// <summary>Keys that can still authenticate: neither revoked nor expired.</summary>
    public static IQueryable<ApiKey> Usable(this IQueryable<ApiKey> keys, DateTime nowUtc) =>
        keys.Where(k => k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > nowUtc));
}
