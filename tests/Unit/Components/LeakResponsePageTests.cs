using Bunit;
using FieldCamp.Domain.Incidents;
using FieldCamp.Web.Components.Pages.ApiKeys;
using FieldCamp.Web.Components.Pages.Incidents;
using FieldCamp.Web.Dashboard;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using MudBlazor.Services;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>
/// The leak response page, step by step, over the real app's services and the demo workspace: booking-widget-prod writes
/// (POST clients and jobs) and quickbooks-sync reads, both with two days of traffic, from one address each.
/// </summary>
public sealed class LeakResponsePageTests : MudTestContext, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private const string Admin = "admin@acme.test";

    private readonly DashboardApp _app = new();
    private IRenderedComponent<MudDialogProvider> _dialogs = default!;

    public void Dispose() => _app.Dispose();

    private async Task<(IRenderedComponent<LeakResponse> Page, string KeyId)> RenderAsync(string keyName = "booking-widget-prod", string email = Admin)
    {
        await _app.AddDashboardServicesAsync(Context, email);
        _dialogs = RenderDialogProvider();
        Context.Render<MudSnackbarProvider>();
        var id = await _app.KeyIdAsync(keyName);
        return (Render(id), id);
    }

    private IRenderedComponent<LeakResponse> Render(string keyId)
    {
        var page = Context.Render<LeakResponse>(p => p.Add(d => d.Id, keyId));
        page.WaitForAssertion(() => Assert.Contains("Leaked key", page.Text()), Patience);
        return page;
    }

    private async Task<Incident?> IncidentAsync(string keyId)
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.Incidents.AsNoTracking().Where(i => i.ApiKeyId == keyId).SingleOrDefaultAsync();
    }

    private static Task ClickTestIdAsync<T>(IRenderedComponent<T> cut, string testId) where T : Microsoft.AspNetCore.Components.IComponent =>
        cut.ActAsync(c => c.ByTestId(testId), e => e.ClickAsync(new MouseEventArgs()));

    private async Task<IRenderedComponent<LeakResponse>> AtReplacementAsync()
    {
        var (page, _) = await RenderAsync();
        await ClickTestIdAsync(page, "leak-revoke");
        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-save-review")), Patience);
        await ClickTestIdAsync(page, "leak-save-review");
        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-issue")), Patience);
        return page;
    }

    [Fact]
    public async Task Step1_BeforeRevoking_ShowsOnlyTheRevoke()
    {
        var (page, id) = await RenderAsync();

        Assert.True(page.HasTestId("leak-revoke"));
        Assert.False(page.HasTestId("leak-activity"));
        Assert.Null(await IncidentAsync(id));
        await using var db = await _app.CreateDbContextAsync();
        Assert.Null((await db.ApiKeys.SingleAsync(k => k.Id == id)).RevokedAt); // opening the page changes nothing
    }

    [Fact]
    public async Task Step1_Revoke_RevokesOpensIncidentAndShowsActivity()
    {
        var (page, id) = await RenderAsync();

        await ClickTestIdAsync(page, "leak-revoke");

        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-activity")), Patience);
        await using var db = await _app.CreateDbContextAsync();
        var key = await db.ApiKeys.SingleAsync(k => k.Id == id);
        Assert.Equal(Admin, key.RevokedBy!.Name);
        var incident = Assert.IsType<Incident>(await IncidentAsync(id));
        Assert.Equal((IncidentSource.Manual, IncidentStep.ReviewActivity), (incident.Source, incident.Step));
        Assert.True(await db.Notices.AnyAsync(n => n.DedupKey == $"leak:{incident.Id}"));
    }

    [Fact]
    public async Task Step2_Activity_WritesFirstThenReads_SavedAsShown()
    {
        var (page, id) = await RenderAsync();
        await ClickTestIdAsync(page, "leak-revoke");
        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-writes")), Patience);

        var text = page.Text();
        Assert.Contains("POST /api/v1/clients", text);
        Assert.Contains("POST /api/v1/jobs", text);
        Assert.True(page.HasTestId("leak-reads-none"));
        Assert.Contains("198.51.100.7", page.ByTestId("leak-writes").TextContent);
        Assert.Contains("Not known", page.ByTestId("leak-writes").TextContent); // a create names no record in its path

        // The 48-hour window: the widget's address was in use before the last 24 hours, so it is not new there.
        await page.InvokeAsync(() => page.FindComponent<MudToggleGroup<int>>().Instance.ValueChanged.InvokeAsync(48));
        page.WaitForAssertion(() => Assert.Contains("48 hours before", page.ByTestId("leak-activity-total").TextContent), Patience);
        await ClickTestIdAsync(page, "leak-save-review");

        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-issue")), Patience);
        var incident = (await IncidentAsync(id))!;
        Assert.Equal(IncidentStep.Replace, incident.Step);
        var saved = FieldCamp.Web.Incidents.LeakActivityJson.Deserialize(incident.ActivitySummary)!;
        Assert.Equal(48, saved.Hours);
        Assert.Equal(["POST"], saved.Writes.Select(w => w.Method).Distinct());
    }

    [Fact]
    public async Task Step2_RecordsThisKeyChanged_ListedFromTheRecordsThemselves()
    {
        var (page, id) = await RenderAsync();
        await using (var db = await _app.CreateDbContextAsync())
        {
            var key = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == id);
            var otherBranch = await db.Branches.Where(b => b.CompanyId == key.CompanyId && b.Id != key.BranchId).Select(b => b.Id).FirstAsync();
            var client = await db.Clients.FirstAsync(c => c.BranchId == key.BranchId);
            var at = DateTime.UtcNow;
            client.Name = "Changed by the leaked key";
            (client.UpdatedByKeyId, client.UpdatedAt) = (id, at);
            db.Items.Add(new FieldCamp.Web.Data.Item { Id = "itm_leaked1", BranchId = key.BranchId, Name = "Made by the leaked key",
                CreatedAt = at, UpdatedAt = at, CreatedByKeyId = id, UpdatedByKeyId = id });
            db.Items.Add(new FieldCamp.Web.Data.Item { Id = "itm_otherkey", BranchId = key.BranchId, Name = "Made by another key",
                CreatedAt = at, UpdatedAt = at, CreatedByKeyId = "key_other", UpdatedByKeyId = "key_other" });
            db.Items.Add(new FieldCamp.Web.Data.Item { Id = "itm_otherbranch", BranchId = otherBranch, Name = "Another branch's",
                CreatedAt = at, UpdatedAt = at, CreatedByKeyId = id, UpdatedByKeyId = id });
            await db.SaveChangesAsync();
        }

        await ClickTestIdAsync(page, "leak-revoke");

        page.WaitForAssertion(() => Assert.True(page.HasTestId("key-records")), Patience);
        var rows = page.ByTestId("key-records").QuerySelectorAll(".key-record").Select(r => r.TextContent).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => r.Contains("Item Made by the leaked key") && r.Contains("itm_leaked1") && r.Contains("created"));
        Assert.Contains(rows, r => r.Contains("Client Changed by the leaked key") && r.Contains("changed"));
    }

    [Fact]
    public async Task Step3_WiderScopes_RefusedNarrower_IssuedAndRevealed()
    {
        var page = await AtReplacementAsync();
        var id = await _app.KeyIdAsync("booking-widget-prod");

        await page.TickAsync("invoices:read", true);
        page.WaitForAssertion(() => Assert.Contains("invoices:read", page.ByTestId("leak-scopes-error").TextContent), Patience);
        Assert.True(page.ByTestId("leak-issue").IsDisabled());
        await page.TickAsync("invoices:read", false);
        await page.TickAsync("jobs:write", false); // narrower: jobs:read only
        page.WaitForAssertion(() => Assert.False(page.ByTestId("leak-issue").IsDisabled()), Patience);

        var issuing = ClickTestIdAsync(page, "leak-issue");
        _dialogs.WaitForAssertion(() => Assert.True(_dialogs.HasTestId("revealed-secret")), Patience);
        var secret = _dialogs.ByTestId("revealed-secret").TextContent.Trim();
        Assert.StartsWith("fc_live_", secret);
        await _dialogs.TickAsync("I have stored this key in a safe place", true);
        await _dialogs.ClickAsync("Done");
        await issuing.WaitAsync(Patience);

        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-checklist")), Patience);
        var incident = (await IncidentAsync(id))!;
        await using var db = await _app.CreateDbContextAsync();
        var replacement = await db.ApiKeys.SingleAsync(k => k.Id == incident.ReplacementKeyId);
        Assert.Equal(["clients:write", "jobs:read"], replacement.Scopes.Order());
        Assert.Null(replacement.RevokedAt);
        Assert.DoesNotContain(secret, page.Markup);
    }

    [Fact]
    public async Task Step4_TicksStoredWithTime_CloseOnceAllTicked()
    {
        var page = await AtReplacementAsync();
        var id = await _app.KeyIdAsync("booking-widget-prod");
        await page.ClickAsync("No replacement needed");
        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-checklist")), Patience);

        foreach (var item in Incident.Checklist.SkipLast(1))
        {
            await page.TickAsync(item.Label, true);
        }
        page.WaitForAssertion(() => Assert.Equal(Incident.Checklist.Count - 1, page.FindAll("[data-testid='leak-tick']").Count), Patience);
        Assert.True(page.ByTestId("leak-close").IsDisabled());
        Assert.Contains($"by {Admin}", page.ByTestId("leak-checklist").TextContent);

        await page.TickAsync(Incident.Checklist[^1].Label, true);
        page.WaitForAssertion(() => Assert.False(page.ByTestId("leak-close").IsDisabled()), Patience);
        await ClickTestIdAsync(page, "leak-close");

        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-closed")), Patience);
        var incident = (await IncidentAsync(id))!;
        Assert.False(incident.IsOpen);
        Assert.Equal(Incident.Checklist.Count, incident.Ticks.Count);
        Assert.All(incident.Ticks, t => Assert.Equal(Admin, t.By.Name));
    }

    [Fact]
    public async Task Page_LeftAndOpenedAgain_ResumesAtTheStepReached()
    {
        var page = await AtReplacementAsync();
        var id = await _app.KeyIdAsync("booking-widget-prod");
        page.Dispose();

        var again = Render(id);

        again.WaitForAssertion(() => Assert.True(again.HasTestId("leak-issue")), Patience);
        Assert.False(again.HasTestId("leak-revoke"));
        Assert.Single(await _app.CreateDbContextAsync().ContinueWith(t => t.Result.Incidents.Where(i => i.ApiKeyId == id).ToList()));
    }

    [Fact]
    public async Task Page_Member_ReadOnlyAndNothingRevoked()
    {
        var (page, id) = await RenderAsync(email: "member@acme.test");

        Assert.True(page.HasTestId("leak-read-only"));
        Assert.False(page.HasTestId("leak-revoke"));
        await using var db = await _app.CreateDbContextAsync();
        Assert.Null((await db.ApiKeys.SingleAsync(k => k.Id == id)).RevokedAt);
    }

    [Fact]
    public async Task Page_AnotherCompanysKey_NotFoundAndNothingRevoked()
    {
        await _app.AddDashboardServicesAsync(Context, "owner@globex.test");
        Context.Render<MudPopoverProvider>();
        var acmeKey = await _app.KeyIdAsync("booking-widget-prod");

        var page = Context.Render<LeakResponse>(p => p.Add(d => d.Id, acmeKey));

        page.WaitForAssertion(() => Assert.Contains("No key with this id exists", page.Text()), Patience);
        Assert.False(page.HasTestId("leak-revoke"));
        await using var db = await _app.CreateDbContextAsync();
        Assert.Null((await db.ApiKeys.SingleAsync(k => k.Id == acmeKey)).RevokedAt);
    }

    [Fact]
    public async Task Step1_Revoke_NoticeUnreadForOtherAdminsNotTheReporter()
    {
        var (page, id) = await RenderAsync();
        await ClickTestIdAsync(page, "leak-revoke");
        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-activity")), Patience);

        await using var db = await _app.CreateDbContextAsync();
        var incident = (await IncidentAsync(id))!;
        var notice = await db.Notices.SingleAsync(n => n.DedupKey == $"leak:{incident.Id}");
        var readers = await db.NoticeReads.Where(r => r.NoticeId == notice.Id).Select(r => r.UserId).ToListAsync();
        var adminId = await db.Users.Where(u => u.Email == Admin).Select(u => u.Id).SingleAsync();
        Assert.Equal([adminId], readers);
    }

    [Fact]
    public async Task IncidentDetail_FoundBySecretScanning_ShowsTheScannerAndUrl()
    {
        await _app.AddDashboardServicesAsync(Context, Admin);
        Context.Render<MudPopoverProvider>();
        var id = await _app.KeyIdAsync("quickbooks-sync");
        byte[] digest;
        await using (var db = await _app.CreateDbContextAsync())
            digest = await db.ApiKeys.Where(k => k.Id == id).Select(k => k.SecretHash).SingleAsync();
        var manager = _app.Service<FieldCamp.Web.Incidents.IncidentManager>();
        Assert.True(await manager.ReportFoundAsync(digest, "https://github.com/acme/site/blob/main/.env"));
        var incident = (await IncidentAsync(id))!;

        var detail = Context.Render<IncidentDetail>(p => p.Add(d => d.Id, incident.Id));

        detail.WaitForAssertion(() => Assert.True(detail.HasTestId("incident-facts")), Patience);
        var facts = detail.ByTestId("incident-facts").TextContent;
        Assert.Contains("by GitHub secret scanning", facts);
        Assert.Contains("https://github.com/acme/site/blob/main/.env", facts);
        Assert.Contains("by secret scanning", facts); // the revoke
        var list = Context.Render<IncidentList>();
        list.WaitForAssertion(() => Assert.Contains("GitHub secret scanning", list.ByTestId("incident-table").TextContent), Patience);
    }

    [Fact]
    public async Task KeyPage_ReportLeaked_LinksToTheResponseThenListsTheIncident()
    {
        var (leak, id) = await RenderAsync("quickbooks-sync");
        leak.Dispose();
        var detail = Context.Render<ApiKeyDetail>(p => p.Add(d => d.Id, id));
        detail.WaitForAssertion(() => Assert.True(detail.HasTestId("detail-facts")), Patience);
        var report = detail.FindAll("a").Single(a => a.TextContent.Trim() == "Report leaked");
        Assert.EndsWith($"settings/developer/api-keys/{id}/leak", report.GetAttribute("href"));
        Assert.False(detail.HasTestId("key-incidents"));

        var page = Render(id);
        await ClickTestIdAsync(page, "leak-revoke");
        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-activity")), Patience);
        page.Dispose();

        var after = Context.Render<ApiKeyDetail>(p => p.Add(d => d.Id, id));
        after.WaitForAssertion(() => Assert.True(after.HasTestId("key-incidents")), Patience);
        Assert.Contains("Open: review activity", after.ByTestId("key-incidents").TextContent);
        Assert.Contains(after.FindAll("a"), a => a.TextContent.Trim() == "Continue leak response");
        Assert.Contains("Reported leaked", after.ByTestId("key-history").TextContent);
    }

    [Fact]
    public async Task IncidentPages_ListAndDetail_ShowTheRecord_OtherCompanyNotFound()
    {
        var (page, id) = await RenderAsync();
        await ClickTestIdAsync(page, "leak-revoke");
        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-save-review")), Patience);
        await ClickTestIdAsync(page, "leak-save-review");
        page.WaitForAssertion(() => Assert.True(page.HasTestId("leak-issue")), Patience);
        var incident = (await IncidentAsync(id))!;

        var list = Context.Render<IncidentList>();
        list.WaitForAssertion(() => Assert.Contains("booking-widget-prod", list.ByTestId("incident-table").TextContent), Patience);
        Assert.Contains($"Reported by {Admin}", list.Text());

        var detail = Context.Render<IncidentDetail>(p => p.Add(d => d.Id, incident.Id));
        detail.WaitForAssertion(() => Assert.True(detail.HasTestId("incident-facts")), Patience);
        Assert.Contains("POST /api/v1/jobs", detail.Text());
        Assert.Contains("Secrets manager: not done", detail.ByTestId("incident-checklist").TextContent);

        // Globex's owner sees nothing of Acme's incident.
        await using var other = new BunitContext();
        other.Services.AddMudServices();
        other.JSInterop.Mode = JSRuntimeMode.Loose;
        await _app.AddDashboardServicesAsync(other, "owner@globex.test");
        other.Render<MudPopoverProvider>();
        var foreign = other.Render<IncidentDetail>(p => p.Add(d => d.Id, incident.Id));
        foreign.WaitForAssertion(() => Assert.Contains("No incident with this id", foreign.Text()), Patience);
        var foreignList = other.Render<IncidentList>();
        foreignList.WaitForAssertion(() => Assert.Contains("No leaks reported", foreignList.Text()), Patience);
    }
}
