using FieldCamp.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Audit;

/// <summary>
/// Which events someone may read: one company, and either every branch (<see cref="BranchIds"/> null) or the listed
/// branches, with or without the company-wide events (those with no branch: people, policy, the quarterly review).
/// </summary>
public sealed record AuditVisibility(string CompanyId, IReadOnlyList<string>? BranchIds, bool CompanyWide);

/// <summary>The audit log's filters; every one is optional. <see cref="Until"/> is exclusive.</summary>
public sealed record AuditLogFilter(
    IReadOnlyList<AuditEventType>? Types = null,
    ActorType? ActorType = null,
    string? ActorId = null,
    string? KeyId = null,
    DateTime? Since = null,
    DateTime? Until = null,
    string? BranchId = null)
{
    public bool IsEmpty => this == new AuditLogFilter();

    /// <summary>"Company-wide" in the branch filter: events that belong to no branch.</summary>
    public const string CompanyWideBranch = "-";
}

/// <summary>
/// The one query behind the page, its CSV and <c>GET /api/v1/audit-events</c>: visibility first (tenancy is never a
/// filter the caller can loosen), then the filters, newest first by id (ids follow the order events were written in,
/// which is the order they happened: each is written in the transaction of its change).
/// </summary>
public static class AuditLogQuery
{
    public static IQueryable<AuditEvent> Visible(this IQueryable<AuditEvent> events, AuditVisibility visibility)
    {
        var companyId = visibility.CompanyId;
        events = events.Where(e => e.CompanyId == companyId);
        if (visibility.BranchIds is { } branches)
        {
            var ids = branches.ToList();
            events = visibility.CompanyWide
                ? events.Where(e => e.BranchId == null || ids.Contains(e.BranchId))
                : events.Where(e => e.BranchId != null && ids.Contains(e.BranchId));
        }
        else if (!visibility.CompanyWide)
        {
            events = events.Where(e => e.BranchId != null);
        }
        return events;
    }

    public static IQueryable<AuditEvent> Matching(this IQueryable<AuditEvent> events, AuditLogFilter filter)
    {
        if (filter.Types is { Count: > 0 } types)
        {
            var list = types.Distinct().ToList();
            events = list.Count == 1 ? events.Where(e => e.Type == list[0]) : events.Where(e => list.Contains(e.Type));
        }
        if (filter.ActorType is { } actorType) events = events.Where(e => e.Actor.Type == actorType);
        if (filter.ActorId is { } actorId) events = events.Where(e => e.Actor.Id == actorId);
        if (filter.KeyId is { } keyId) events = events.Where(e => e.ApiKeyId == keyId);
        if (filter.Since is { } since) events = events.Where(e => e.OccurredAt >= since);
        if (filter.Until is { } until) events = events.Where(e => e.OccurredAt < until);
        if (filter.BranchId == AuditLogFilter.CompanyWideBranch) events = events.Where(e => e.BranchId == null);
        else if (filter.BranchId is { } branchId) events = events.Where(e => e.BranchId == branchId);
        return events;
    }

    /// <summary>For cursors (the API, the CSV's batches): newest first by id, along the (company, branch, id) index.</summary>
    public static IQueryable<AuditEvent> NewestFirst(this IQueryable<AuditEvent> events) => events.OrderByDescending(e => e.Id);

    /// <summary>
    /// For the page's numbered pages: newest first by time, then id, which the (company, time) index yields in order
    /// (its entries end with the row id), so a page of 100,000 events needs no sort.
    /// </summary>
    public static IQueryable<AuditEvent> LatestFirst(this IQueryable<AuditEvent> events) =>
        events.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id);
}
