using Bunit;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Oversight;
using FieldCamp.Web.Components.Pages.Oversight;
using FieldCamp.Web.Dashboard;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>The Quarterly audit page over the real app's services and the demo workspace (Acme: four keys in North).</summary>
public sealed class QuarterlyAuditPageTests : MudTestContext, IDisposable
{
    private static readonly string[] DemoKeys = ["zapier-job-sync", "quickbooks-sync", "booking-widget-prod", "internal-admin-automation"];

    private readonly DashboardApp _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<(IRenderedComponent<QuarterlyAudit> Page, IRenderedComponent<MudDialogProvider> Dialogs)> RenderAsAsync(string email)
    {
        await _app.AddDashboardServicesAsync(Context, email);
        var dialogs = RenderDialogProvider();
        Context.Render<MudSnackbarProvider>();
        var page = Context.Render<QuarterlyAudit>();
        return (page, dialogs);
    }

    private static Task ClickLabelledAsync<T>(IRenderedComponent<T> cut, string label) where T : Microsoft.AspNetCore.Components.IComponent =>
        cut.ActAsync(c => c.FindAll("button").Single(b => b.GetAttribute("aria-label") == label), e => e.ClickAsync(new MouseEventArgs()));

    private async Task KeepAsync(IRenderedComponent<QuarterlyAudit> page, IRenderedComponent<MudDialogProvider> dialogs, string key, string? note = null)
    {
        // The row's handler runs the whole flow, so its click completes only once the dialog is closed.
        var keeping = ClickLabelledAsync(page, $"Keep {key}");
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasButton("Keep key")), TimeSpan.FromSeconds(10));
        if (note is not null) await dialogs.TypeAsync("Note (optional)", note);
        await dialogs.ClickAsync("Keep key");
        await keeping.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Render_Owner_ListsEveryActiveKeyUndecidedAndCompletionDisabled()
    {
        var (page, _) = await RenderAsAsync("owner@acme.test");

        page.WaitForAssertion(() => Assert.Equal("0 of 4 decided", page.ByTestId("review-progress").TextContent.Trim()), TimeSpan.FromSeconds(10));
        var text = page.Text();
        foreach (var name in DemoKeys) Assert.Contains(name, text);
        Assert.Contains("North", text);
        // Unused keys are judged by their age, as on the key page: the full-access key is three days old, the stale one
        // 75 days (revoking it is suggested, and it is a delete candidate).
        Assert.Contains("Not used yet (a new key)", text);
        Assert.Contains("Not used in the 75 days since it was created: consider revoking it", text);
        Assert.Contains("Dormant 60+ days: delete candidate", text);
        Assert.True(page.ByTestId("mark-complete").IsDisabled());
    }

    [Fact]
    public async Task Decide_EveryKey_ProgressCountsAndMarkCompleteFreezesTheReview()
    {
        var (page, dialogs) = await RenderAsAsync("owner@acme.test");
        page.WaitForAssertion(() => Assert.Contains("0 of 4 decided", page.Text()), TimeSpan.FromSeconds(10));

        await KeepAsync(page, dialogs, "zapier-job-sync", "still syncing jobs");
        page.WaitForAssertion(() => Assert.Contains("1 of 4 decided", page.Text()), TimeSpan.FromSeconds(10));
        Assert.Contains("Note: still syncing jobs", page.Text());
        Assert.True(page.ByTestId("mark-complete").IsDisabled());

        foreach (var name in DemoKeys.Skip(1))
            await KeepAsync(page, dialogs, name);
        page.WaitForAssertion(() => Assert.Contains("4 of 4 decided", page.Text()), TimeSpan.FromSeconds(10));
        Assert.False(page.ByTestId("mark-complete").IsDisabled());

        var completing = page.ActAsync(p => p.ByTestId("mark-complete"), e => e.ClickAsync(new MouseEventArgs()));
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasButton("Mark complete")), TimeSpan.FromSeconds(10));
        await dialogs.ClickAsync("Mark complete");
        await completing.WaitAsync(TimeSpan.FromSeconds(10));

        page.WaitForAssertion(() => Assert.True(page.HasTestId("completed-by")), TimeSpan.FromSeconds(10));
        Assert.Contains("owner@acme.test", page.ByTestId("completed-by").TextContent);
        Assert.False(page.HasTestId("mark-complete"));
        Assert.DoesNotContain(page.FindAll("button"), b => b.GetAttribute("aria-label") == "Keep zapier-job-sync");

        await using var db = await _app.CreateDbContextAsync();
        var events = await db.AuditEvents.Where(e => e.Type == AuditEventType.AuditDecisionRecorded || e.Type == AuditEventType.AuditQuarterCompleted).ToListAsync();
        Assert.Equal(4, events.Count(e => e.Type == AuditEventType.AuditDecisionRecorded && e.BranchId != null && e.ApiKeyId != null));
        var completed = Assert.Single(events, e => e.Type == AuditEventType.AuditQuarterCompleted);
        Assert.Null(completed.BranchId);
        Assert.Equal("owner@acme.test", completed.Actor.Name);
    }

    [Fact]
    public async Task Narrow_AppliesTheEditedScopesAndRecordsNarrow()
    {
        var (page, dialogs) = await RenderAsAsync("owner@acme.test");
        page.WaitForAssertion(() => Assert.Contains("0 of 4 decided", page.Text()), TimeSpan.FromSeconds(10));

        var narrowing = ClickLabelledAsync(page, "Narrow booking-widget-prod");
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasButton("Apply scopes")), TimeSpan.FromSeconds(10));
        // Nothing recorded its use, so the picker starts from what it holds: take the write on jobs away.
        await dialogs.TickAsync("jobs:write", false);
        await dialogs.ClickAsync("Apply scopes");
        await narrowing.WaitAsync(TimeSpan.FromSeconds(10));

        page.WaitForAssertion(() => Assert.Contains("1 of 4 decided", page.Text()), TimeSpan.FromSeconds(10));
        await using var db = await _app.CreateDbContextAsync();
        var key = await db.ApiKeys.SingleAsync(k => k.Name == "booking-widget-prod");
        Assert.Equal(["clients:write", "jobs:read"], key.Scopes.Order());
        var item = await db.ReviewItems.SingleAsync(i => i.ApiKeyId == key.Id);
        Assert.Equal(ReviewDecision.Narrow, item.Decision);
    }

    [Fact]
    public async Task Revoke_RecentlyUsedKey_AsksForTheTypedNameAndANoteThenRevokes()
    {
        var (page, dialogs) = await RenderAsAsync("owner@acme.test");
        page.WaitForAssertion(() => Assert.Contains("0 of 4 decided", page.Text()), TimeSpan.FromSeconds(10));

        var revoking = ClickLabelledAsync(page, "Revoke quickbooks-sync");
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasButton("Revoke key")), TimeSpan.FromSeconds(10));
        Assert.True(dialogs.Button("Revoke key").IsDisabled());
        await dialogs.TypeAsync("Type quickbooks-sync to confirm", "quickbooks-sync");
        await dialogs.TypeAsync("Note (optional)", "Sync moved to the new ledger");
        await dialogs.ClickAsync("Revoke key");
        await revoking.WaitAsync(TimeSpan.FromSeconds(10));

        page.WaitForAssertion(() => Assert.Contains("1 of 4 decided", page.Text()), TimeSpan.FromSeconds(10));
        await using var db = await _app.CreateDbContextAsync();
        var key = await db.ApiKeys.SingleAsync(k => k.Name == "quickbooks-sync");
        Assert.NotNull(key.RevokedAt);
        var item = await db.ReviewItems.SingleAsync(i => i.ApiKeyId == key.Id);
        Assert.Equal(ReviewDecision.Revoke, item.Decision);
        Assert.Equal("Sync moved to the new ledger", item.Note);
    }

    [Theory]
    [InlineData("admin@acme.test")]
    [InlineData("member@acme.test")]
    public async Task Render_NotAnOwner_ShowsTheRefusalAndOpensNoReview(string email)
    {
        var (page, _) = await RenderAsAsync(email);

        page.WaitForAssertion(() => Assert.True(page.HasTestId("owners-only")), TimeSpan.FromSeconds(10));
        Assert.Contains("Only owners can review keys", page.Text());
        Assert.DoesNotContain("zapier-job-sync", page.Text());
        await using var db = await _app.CreateDbContextAsync();
        Assert.Equal(0, await db.QuarterlyReviews.CountAsync());
    }

    [Fact]
    public async Task Actions_AdminCallingTheServiceDirectly_Refused()
    {
        var owner = _app.QuarterlyAuditFor(await _app.WorkspaceForAsync("owner@acme.test"));
        var review = await owner.OpenCurrentAsync();
        var admin = _app.QuarterlyAuditFor(await _app.WorkspaceForAsync("admin@acme.test"));
        var keyId = review.Rows[0].KeyId;

        await Assert.ThrowsAsync<DashboardForbiddenException>(() => admin.DecideAsync(review.Quarter, keyId, ReviewDecision.Keep, null));
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => admin.RevokeAsync(review.Quarter, keyId, null));
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => admin.NarrowAsync(review.Quarter, keyId, ["jobs:read"], null));
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => admin.CompleteAsync(review.Quarter));
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => admin.HistoryAsync());
        await using var db = await _app.CreateDbContextAsync();
        Assert.Null((await db.ApiKeys.SingleAsync(k => k.Id == keyId)).RevokedAt);
    }

    [Fact]
    public async Task OpenCurrent_KeyCreatedAfterOpening_BelongsToTheNextReview()
    {
        var owner = _app.QuarterlyAuditFor(await _app.WorkspaceForAsync("owner@acme.test"));
        await owner.OpenCurrentAsync();
        await _app.CreateKeyAsync("South", "created-after-opening");

        var again = await owner.OpenCurrentAsync();

        Assert.Equal(4, again.Rows.Count);
        Assert.DoesNotContain(again.Rows, r => r.Name == "created-after-opening");
    }

    [Fact]
    public async Task Reminder_OwnerInTheQuartersLastMonthUntilComplete_AdminNever()
    {
        var lastMonth = new FixedClock(new DateTime(2026, 12, 10, 12, 0, 0, DateTimeKind.Utc));
        var earlier = new FixedClock(new DateTime(2026, 11, 10, 12, 0, 0, DateTimeKind.Utc));
        var owner = await _app.WorkspaceForAsync("owner@acme.test");
        var admin = await _app.WorkspaceForAsync("admin@acme.test");

        Assert.Equal(new Quarter(2026, 4), await _app.QuarterlyAuditFor(owner, lastMonth).ReminderAsync());
        Assert.Null(await _app.QuarterlyAuditFor(owner, earlier).ReminderAsync());
        Assert.Null(await _app.QuarterlyAuditFor(admin, lastMonth).ReminderAsync());

        var audit = _app.QuarterlyAuditFor(owner, lastMonth);
        var review = await audit.OpenCurrentAsync();
        foreach (var row in review.Rows) await audit.DecideAsync(review.Quarter, row.KeyId, ReviewDecision.Keep, null);
        await audit.CompleteAsync(review.Quarter);
        Assert.Null(await audit.ReminderAsync());
    }

    private sealed class FixedClock(DateTime utc) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(utc);
    }
}
