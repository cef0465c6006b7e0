using Bunit;
using Bunit.TestDoubles;
using FieldCamp.Domain.Notices;
using FieldCamp.Web.Components.Layout;
using FieldCamp.Web.Components.Pages.Notifications;
using FieldCamp.Web.Dashboard;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>The bell and the Notifications page over the real app's store, as each role sees them.</summary>
public sealed class NotificationsPageTests : MudTestContext, IDisposable
{
    private readonly DashboardApp _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<Workspace> SignInAsync(string email)
    {
        var (workspace, _) = await _app.AddDashboardServicesAsync(Context, email);
        Context.Render<MudBlazor.MudPopoverProvider>();
        return workspace;
    }

    private async Task PostTwoNoticesAsync()
    {
        await _app.ClearNoticesAsync();
        await _app.PostNoticeAsync("quickbooks-sync", NoticeKind.ExpiringSoon, "Expires in 7 days, on a date.", TimeSpan.FromHours(3));
        await _app.PostNoticeAsync("zapier-job-sync", NoticeKind.UsedFromBrowser, "Used from a web browser (https://shop.example).", TimeSpan.FromMinutes(5));
    }

    private static IReadOnlyList<string> Titles(IRenderedComponent<NotificationsPage> page) =>
        page.FindAll("[data-testid=notice] h2").Select(h => System.Text.RegularExpressions.Regex.Replace(h.TextContent, @"\s+", " ").Trim()).ToList();

    private static Task ClickLabelledAsync<T>(IRenderedComponent<T> cut, string ariaLabel) where T : IComponent =>
        cut.ActAsync(c => c.Find($"button[aria-label='{ariaLabel}']"), e => e.ClickAsync(new MouseEventArgs()));

    [Fact]
    public async Task Admin_SeesUnreadNoticesNewestFirst_WithWhatToDo()
    {
        await PostTwoNoticesAsync();
        await SignInAsync("admin@acme.test");

        var page = Context.Render<NotificationsPage>();
        page.WaitForAssertion(() => Assert.Equal(2, Titles(page).Count), TimeSpan.FromSeconds(10));

        Assert.Equal(["Unread: Used from a web browser: zapier-job-sync", "Unread: Expiring soon: quickbooks-sync"], Titles(page));
        Assert.Contains("Used from a web browser (https://shop.example).", page.Text());
        Assert.Contains("3 hours ago · North", page.Text());
        Assert.NotNull(page.Find("button[aria-label='Rotate now: quickbooks-sync']"));
    }

    [Fact]
    public async Task MarkAsRead_LeavesTheUnreadList_StaysUnderAll_AndOnlyForThatPerson()
    {
        await PostTwoNoticesAsync();
        await SignInAsync("admin@acme.test");
        var bell = Context.Render<NotificationBell>();
        var page = Context.Render<NotificationsPage>();
        page.WaitForAssertion(() => Assert.Equal(2, Titles(page).Count), TimeSpan.FromSeconds(10));
        Assert.Equal("Notifications, 2 unread", bell.Find("[data-testid=notification-bell]").GetAttribute("aria-label"));

        await ClickLabelledAsync(page, "Mark as read: quickbooks-sync");

        page.WaitForAssertion(() => Assert.Equal(["Unread: Used from a web browser: zapier-job-sync"], Titles(page)));
        bell.WaitForAssertion(() => Assert.Equal("Notifications, 1 unread", bell.Find("[data-testid=notification-bell]").GetAttribute("aria-label")));
        await page.ClickAsync("All");
        page.WaitForAssertion(() => Assert.Equal(["Unread: Used from a web browser: zapier-job-sync", "Expiring soon: quickbooks-sync"], Titles(page)));

        // The owner has not read anything.
        await using var owner = new BunitContext();
        owner.Services.AddMudServices();
        owner.JSInterop.Mode = JSRuntimeMode.Loose;
        await _app.AddDashboardServicesAsync(owner, "owner@acme.test");
        var ownersPage = owner.Render<NotificationsPage>();
        ownersPage.WaitForAssertion(() => Assert.Equal(2, ownersPage.FindAll("[data-testid=notice] h2").Count(h => h.TextContent.Contains("Unread:"))), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task MarkAllAsRead_EmptiesTheBell()
    {
        await PostTwoNoticesAsync();
        await SignInAsync("admin@acme.test");
        var bell = Context.Render<NotificationBell>();
        var page = Context.Render<NotificationsPage>();
        page.WaitForAssertion(() => Assert.Equal(2, Titles(page).Count), TimeSpan.FromSeconds(10));

        await page.ClickAsync("Mark all as read");

        page.WaitForAssertion(() => Assert.True(page.HasTestId("notifications-empty")));
        Assert.Contains("You're all caught up", page.Text());
        bell.WaitForAssertion(() => Assert.Equal("Notifications, none unread", bell.Find("[data-testid=notification-bell]").GetAttribute("aria-label")));
    }

    [Fact]
    public async Task RotateNow_OpensTheKeysRotation_AndMarksTheNoticeRead()
    {
        await PostTwoNoticesAsync();
        await SignInAsync("admin@acme.test");
        var navigation = Context.Services.GetRequiredService<BunitNavigationManager>();
        var page = Context.Render<NotificationsPage>();
        page.WaitForAssertion(() => Assert.Equal(2, Titles(page).Count), TimeSpan.FromSeconds(10));

        await ClickLabelledAsync(page, "Rotate now: quickbooks-sync");

        var keyId = await _app.KeyIdAsync("quickbooks-sync");
        Assert.EndsWith($"/settings/developer/api-keys/{keyId}/rotate", navigation.Uri);
        var bell = Context.Render<NotificationBell>();
        bell.WaitForAssertion(() => Assert.Equal("Notifications, 1 unread", bell.Find("[data-testid=notification-bell]").GetAttribute("aria-label")));
    }

    [Fact]
    public async Task OpenKey_InAnotherBranch_SwitchesToThatBranchFirst()
    {
        await _app.ClearNoticesAsync();
        var southKey = await _app.CreateKeyAsync("South", "south-payroll-export");
        await _app.PostNoticeAsync("south-payroll-export", NoticeKind.ExpiringSoon, "Expires in 14 days.", TimeSpan.FromMinutes(1));
        var workspace = await SignInAsync("admin@acme.test");
        Assert.Equal("North", workspace.Branch!.Name);
        var navigation = Context.Services.GetRequiredService<BunitNavigationManager>();
        var page = Context.Render<NotificationsPage>();
        page.WaitForAssertion(() => Assert.Contains("1 minute ago · South", page.Text()), TimeSpan.FromSeconds(10));

        await ClickLabelledAsync(page, "Open key south-payroll-export");

        Assert.Equal("South", workspace.Branch!.Name);
        Assert.EndsWith($"/settings/developer/api-keys/{southKey.Id}", navigation.Uri);
    }

    [Fact]
    public async Task DisabledWebhook_LeadsToTheWebhooks_AndOffersNoRotation()
    {
        await _app.ClearNoticesAsync();
        await using (var db = await _app.CreateDbContextAsync())
        {
            var north = await db.Branches.SingleAsync(b => b.Name == "North");
            db.Notices.Add(new Notice(north.CompanyId, north.Id, "whk_test", "Accounting receiver", NoticeKind.WebhookDisabled,
                "Webhook to https://hooks.example.com/in was disabled: every delivery has failed since 2026-12-01 08:00 UTC (last: HTTP 500).",
                $"test:{Guid.NewGuid():N}", DateTime.UtcNow.AddMinutes(-2)));
            await db.SaveChangesAsync();
        }
        await SignInAsync("admin@acme.test");
        var navigation = Context.Services.GetRequiredService<BunitNavigationManager>();
        var page = Context.Render<NotificationsPage>();
        // The scheduler may post the demo keys' own notices meanwhile; this one is looked at alone.
        page.WaitForAssertion(() => Assert.Contains("Unread: Webhook disabled: Accounting receiver", Titles(page)), TimeSpan.FromSeconds(10));
        var notice = page.FindAll("[data-testid=notice]").Single(n => n.TextContent.Contains("Accounting receiver"));
        Assert.Contains("every delivery has failed since", notice.TextContent);
        Assert.Equal(["Open webhooks for Accounting receiver", "Mark as read: Accounting receiver"],
            notice.QuerySelectorAll("button").Select(b => b.GetAttribute("aria-label")));

        await ClickLabelledAsync(page, "Open webhooks for Accounting receiver");

        Assert.EndsWith("/settings/developer/webhooks", navigation.Uri);
    }

    [Fact]
    public async Task Member_GetsNoBellAndNoNotices()
    {
        await PostTwoNoticesAsync();
        await SignInAsync("member@acme.test");

        var bell = Context.Render<NotificationBell>();
        var page = Context.Render<NotificationsPage>();

        Assert.Empty(bell.FindAll("[data-testid=notification-bell]"));
        page.WaitForAssertion(() => Assert.Contains("Notifications about keys go to the company's owners and admins.", page.Text()));
        Assert.Empty(page.FindAll("[data-testid=notice]"));
    }

    [Fact]
    public async Task AnotherCompanysOwner_SeesNoneOfAcmesNotices()
    {
        await PostTwoNoticesAsync();
        await SignInAsync("owner@globex.test");

        var page = Context.Render<NotificationsPage>();

        page.WaitForAssertion(() => Assert.True(page.HasTestId("notifications-empty")), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("quickbooks-sync", page.Text());
    }
}
