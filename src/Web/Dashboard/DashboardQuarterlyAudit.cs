using FieldCamp.Domain;
using FieldCamp.Domain.Oversight;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Data;
using FieldCamp.Web.Oversight;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Dashboard;

/// <summary>
/// What the Quarterly audit page reads and does, for the workspace's company across all its branches. Owners only: every
/// read and every action re-reads the person's role from the database first, whatever the page shows. Key changes go
/// through <see cref="ApiKeyManager"/> in the key's own branch, exactly like the key pages.
/// </summary>
internal sealed class DashboardQuarterlyAudit(IDbContextFactory<AppDbContext> dbFactory, ApiKeyManager manager, Workspace workspace, TimeProvider time)
{
    public const string Refusal = "Only owners can review keys.";

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>Quarters are UTC (see the README): the company has no time zone of its own yet.</summary>
    public Quarter CurrentQuarter => Quarter.Containing(Now);

    private string CompanyId => workspace.Company!.Id;

    /// <summary>The current quarter's review, opened now over the company's active keys if this is its first visit.</summary>
    public async Task<ReviewView> OpenCurrentAsync(CancellationToken cancellationToken = default)
    {
        await RequireOwnerAsync();
        var review = await QuarterlyReviews.OpenAsync(dbFactory, CompanyId, CurrentQuarter, workspace.Actor, Now, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await QuarterlyReviews.ViewAsync(db, review, Now, cancellationToken);
    }

    /// <summary>A past (or the current) quarter's review, read-only; null when that quarter was never reviewed.</summary>
    public async Task<ReviewView?> GetAsync(Quarter quarter, CancellationToken cancellationToken = default)
    {
        await RequireOwnerAsync();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var review = await QuarterlyReviews.FindAsync(db, CompanyId, quarter, cancellationToken);
        return review is null ? null : await QuarterlyReviews.ViewAsync(db, review, Now, cancellationToken);
    }

    public async Task<IReadOnlyList<ReviewListing>> HistoryAsync(CancellationToken cancellationToken = default)
    {
        await RequireOwnerAsync();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await QuarterlyReviews.ListAsync(db, CompanyId, cancellationToken);
    }

    /// <summary>
    /// The quarter an owner should be reminded of on the API Keys page: the current one, in its last 30 days, while its review
    /// is not complete. Null otherwise, and always for admins and members.
    /// </summary>
    public async Task<Quarter?> ReminderAsync(CancellationToken cancellationToken = default)
    {
        if (workspace.Role != Role.Owner || !CurrentQuarter.IsInLastDays(Now)) return null;
        var quarter = CurrentQuarter;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var complete = await db.QuarterlyReviews.AnyAsync(r => r.CompanyId == CompanyId && r.Year == quarter.Year && r.Number == quarter.Number
            && r.CompletedAt != null, cancellationToken);
        return complete ? null : quarter;
    }

    /// <summary>Records a decision (keep, or a narrow, rotate or revoke decided without carrying it out here).</summary>
    public Task DecideAsync(Quarter quarter, string keyId, ReviewDecision decision, string? note) =>
        ChangeAsync(quarter, review => review.Decide(keyId, decision, note, workspace.Actor, Now));

    /// <summary>Applies narrower scopes to the key, in its own branch, then records "narrow".</summary>
    public async Task NarrowAsync(Quarter quarter, string keyId, IReadOnlyList<string> scopes, string? note)
    {
        var item = await ItemAsync(quarter, keyId);
        var updated = await manager.UpdateAsync(new KeyScope(CompanyId, item.BranchId), keyId, new FieldCamp.Domain.ApiKeys.ApiKeyUpdate(Scopes: scopes), workspace.Actor)
            ?? throw new DomainException("This key no longer exists.");
        await DecideAsync(quarter, keyId, ReviewDecision.Narrow, note);
    }

    /// <summary>Revokes the key, in its own branch, then records "revoke". A key already revoked is only recorded.</summary>
    public async Task RevokeAsync(Quarter quarter, string keyId, string? note)
    {
        var item = await ItemAsync(quarter, keyId);
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            var revoked = await db.ApiKeys.AnyAsync(k => k.Id == keyId && k.CompanyId == CompanyId && k.RevokedAt != null);
            if (!revoked) _ = await manager.RevokeAsync(new KeyScope(CompanyId, item.BranchId), keyId, workspace.Actor);
        }
        await DecideAsync(quarter, keyId, ReviewDecision.Revoke, note);
    }

    /// <summary>
    /// Records "rotate" and moves the workspace to the key's branch, since the rotation wizard works in the current branch.
    /// Returns the wizard's address.
    /// </summary>
    public async Task<string> StartRotationAsync(Quarter quarter, string keyId, string? note)
    {
        var item = await ItemAsync(quarter, keyId);
        await DecideAsync(quarter, keyId, ReviewDecision.Rotate, note);
        if (workspace.Branch?.Id != item.BranchId) await workspace.SwitchToAsync(item.BranchId);
        return $"settings/developer/api-keys/{Uri.EscapeDataString(keyId)}/rotate";
    }

    public Task CompleteAsync(Quarter quarter) => ChangeAsync(quarter, review => review.Complete(workspace.Actor, Now));

    /// <summary>Refuses unless the person is an owner of the workspace's company, reading the role afresh from the database.</summary>
    public async Task RequireOwnerAsync()
    {
        if (workspace.Company is null) throw new DashboardForbiddenException(Refusal);
        await using var db = await dbFactory.CreateDbContextAsync();
        var companyId = CompanyId;
        var userId = workspace.UserId;
        var role = await db.Memberships.Where(m => m.UserId == userId && m.CompanyId == companyId)
            .Select(m => (Role?)m.Role).FirstOrDefaultAsync();
        if (role != Role.Owner) throw new DashboardForbiddenException(Refusal);
    }

    private async Task<ReviewItem> ItemAsync(Quarter quarter, string keyId)
    {
        await RequireOwnerAsync();
        await using var db = await dbFactory.CreateDbContextAsync();
        var review = await QuarterlyReviews.FindAsync(db, CompanyId, quarter) ?? throw new DomainException($"There is no review of {quarter.Label}.");
        if (review.IsComplete) throw new DomainException($"The review of {quarter.Label} is complete and can no longer change.");
        return review.Items.FirstOrDefault(i => i.ApiKeyId == keyId)
            ?? throw new DomainException("This key is not part of the review: it was created after the review opened.");
    }

    private async Task ChangeAsync(Quarter quarter, Action<QuarterlyReview> change)
    {
        await RequireOwnerAsync();
        await using var db = await dbFactory.CreateDbContextAsync();
        var review = await QuarterlyReviews.FindAsync(db, CompanyId, quarter) ?? throw new DomainException($"There is no review of {quarter.Label}.");
        change(review);
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new DomainException("Another owner changed this review at the same moment. It has been reloaded; try again.");
        }
    }
}
