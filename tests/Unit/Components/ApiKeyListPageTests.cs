using Bunit;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Components.Pages.ApiKeys;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>The API Keys page over the real app's services and the seeded demo workspace, as each role sees it.</summary>
public sealed class ApiKeyListPageTests : MudTestContext, IDisposable
{
    private DashboardApp _app = new();
    private IRenderedComponent<MudSnackbarProvider> _snackbar = default!;

    // Runs after the bUnit context's async disposal, so the page is gone before the app it reads from.
    public void Dispose() => _app.Dispose();

    private async Task<(IRenderedComponent<ApiKeyList> Page, IRenderedComponent<MudDialogProvider> Dialogs)> RenderAsAsync(string email)
    {
        await _app.AddDashboardServicesAsync(Context, email);
        var dialogs = RenderDialogProvider();
        _snackbar = Context.Render<MudSnackbarProvider>();
        var page = Context.Render<ApiKeyList>();
        // The list and the banners above it load separately; both are in before a test looks.
        page.WaitForAssertion(() =>
        {
            Assert.Contains("zapier-job-sync", page.Text());
            Assert.NotEmpty(page.FindAll("[data-testid=key-banners]"));
        }, TimeSpan.FromSeconds(10));
        return (page, dialogs);
    }

    private static async Task FillCreateFormAsync(IRenderedComponent<MudDialogProvider> dialogs, string name)
    {
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasButton("Create key")), TimeSpan.FromSeconds(10));
        await dialogs.TypeAsync("Name", name);
        await dialogs.ClickAsync("Accounting sync");
        await dialogs.ClickAsync("Create key");
    }

    [Fact]
    public async Task Render_Admin_ShowsCreateKeyAndTheDemoKeys()
    {
        var (page, _) = await RenderAsAsync("admin@acme.test");

        Assert.True(page.HasButton("Create key"));
        Assert.DoesNotContain("Read-only: owners and admins manage keys", page.Text());
        var text = page.Text();
        Assert.Contains("Acme Field Services · North", text);
        foreach (var name in new[] { "zapier-job-sync", "quickbooks-sync", "booking-widget-prod", "internal-admin-automation" })
            Assert.Contains(name, text);
        // The demo data's one stale key, one key without expiry and one full-access key each get a banner.
        Assert.Contains("1 key has not been used for 60 days or more.", text);
        Assert.Contains("1 key never expires.", text);
        Assert.Contains("1 key has full access (*).", text);
        Assert.DoesNotContain("within 14 days", text);
    }

    [Fact]
    public async Task Render_Member_HasNoCreateKeyAndSaysReadOnly()
    {
        var (page, _) = await RenderAsAsync("member@acme.test");

        Assert.False(page.HasButton("Create key"));
        Assert.Contains("Read-only: owners and admins manage keys", page.Text());
        Assert.Contains("quickbooks-sync", page.Text());
    }

    [Fact]
    public async Task StaleBanner_Show_ListsOnlyTheStaleKey()
    {
        var (page, _) = await RenderAsAsync("member@acme.test");

        await page.ActAsync(p => p.FindAll("button").First(b => b.TextContent.Trim() == "Show"
            && b.ParentElement!.TextContent.Contains("not been used for 60 days")), e => e.ClickAsync(new MouseEventArgs()));

        page.WaitForAssertion(() =>
        {
            var text = page.Text();
            Assert.Contains("zapier-job-sync", text);
            Assert.DoesNotContain("quickbooks-sync", text);
            Assert.True(page.HasButton("Clear filters"));
        });
    }

    [Fact]
    public async Task CreateKey_Admin_RevealsTheSecretOnceThenListsTheKey()
    {
        var (page, dialogs) = await RenderAsAsync("admin@acme.test");

        // The page's handler runs the whole flow (form, create, reveal), so it completes only when the reveal closes.
        var creating = page.ClickAsync("Create key");
        await FillCreateFormAsync(dialogs, "xero-sync");

        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasTestId("revealed-secret")), TimeSpan.FromSeconds(10));
        var secret = dialogs.ByTestId("revealed-secret").TextContent.Trim();
        await using (var db = await _app.CreateDbContextAsync())
        {
            var stored = await db.ApiKeys.SingleAsync(k => k.Name == "xero-sync");
            Assert.Equal(ApiKeySecret.ComputeDigest(secret), stored.SecretHash);
            Assert.Equal(["clients:read", "invoices:read"], stored.Scopes);
        }

        // The page opens the reveal so that only "Done" closes it: no close button, the backdrop and Escape do nothing.
        Assert.Empty(dialogs.FindAll("button[aria-label='Close']"));
        await ClickBackdropAsync(dialogs);
        await PressEscapeAsync(dialogs);
        Assert.Equal(secret, dialogs.ByTestId("revealed-secret").TextContent.Trim());

        await dialogs.TickAsync("I have stored this key in a safe place", true);
        await dialogs.ClickAsync("Done");
        await creating.WaitAsync(TimeSpan.FromSeconds(10));

        page.WaitForAssertion(() => Assert.Contains("xero-sync", page.Text()), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(secret, dialogs.Markup);
        Assert.DoesNotContain(secret, page.Markup);
    }

    [Fact]
    public async Task CreateKey_AdminDemotedWhileThePageIsOpen_IsRefusedAndNothingIsCreated()
    {
        var (page, dialogs) = await RenderAsAsync("admin@acme.test");
        await using (var db = await _app.CreateDbContextAsync())
        {
            var adminId = await db.Users.Where(u => u.Email == "admin@acme.test").Select(u => u.Id).SingleAsync();
            await db.Memberships.Where(m => m.UserId == adminId).ExecuteUpdateAsync(set => set.SetProperty(m => m.Role, Role.Member));
        }

        var creating = page.ClickAsync("Create key");
        await FillCreateFormAsync(dialogs, "too-late");
        await creating.WaitAsync(TimeSpan.FromSeconds(10));

        _snackbar.WaitForAssertion(() =>
            Assert.Contains("Only owners and admins can create, change or revoke API keys.", _snackbar.Text()), TimeSpan.FromSeconds(10));
        Assert.False(dialogs.HasTestId("revealed-secret"));
        await using var check = await _app.CreateDbContextAsync();
        Assert.False(await check.ApiKeys.AnyAsync(k => k.Name == "too-late"));
    }

    [Fact]
    public async Task FullAccessBanner_ShowThenClear_FilterIsShownInTheToolbarAndClearedFromTheBanner()
    {
        var (page, _) = await RenderAsAsync("admin@acme.test");

        await page.ActAsync(p => p.Find("button[aria-label='Show keys: Full access']"), e => e.ClickAsync(new MouseEventArgs()));

        page.WaitForAssertion(() =>
        {
            Assert.Equal("Full access", page.ByTestId("active-filter").TextContent.Trim());
            Assert.Contains("internal-admin-automation", page.Text());
            Assert.DoesNotContain("quickbooks-sync", page.Text());
        });

        await page.ActAsync(p => p.Find("button[aria-label='Clear filter: Full access']"), e => e.ClickAsync(new MouseEventArgs()));

        page.WaitForAssertion(() =>
        {
            Assert.False(page.HasTestId("active-filter"));
            Assert.Contains("quickbooks-sync", page.Text());
            Assert.Contains("internal-admin-automation", page.Text());
        });
    }

    [Fact]
    public async Task Render_BranchWithoutKeys_ExplainsKeysAndOffersCreateAndTheApiDocs()
    {
        await _app.AddDashboardServicesAsync(Context, "owner@globex.test");
        RenderDialogProvider();
        var page = Context.Render<ApiKeyList>();

        page.WaitForAssertion(() => Assert.True(page.HasTestId("empty-state")), TimeSpan.FromSeconds(10));
        var empty = page.ByTestId("empty-state");
        Assert.Contains("No keys in this branch yet.", empty.TextContent);
        Assert.Contains("lets one integration", empty.TextContent);
        Assert.Contains(empty.QuerySelectorAll("button"), b => b.TextContent.Trim() == "Create key");
        Assert.Equal("docs/guide", empty.QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task Render_WhileTheKeysLoad_ShowsASkeletonNeverNoKeys()
    {
        _app.Dispose();
        _app = new DashboardApp(new SlowCommands("FROM \"ApiKeys\"", TimeSpan.FromSeconds(1)));
        await _app.AddDashboardServicesAsync(Context, "admin@acme.test");
        RenderDialogProvider();

        var page = Context.Render<ApiKeyList>();

        page.WaitForAssertion(() => Assert.True(page.HasTestId("keys-loading")), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain("No keys", page.Text());
        page.WaitForAssertion(() => Assert.Contains("zapier-job-sync", page.Text()), TimeSpan.FromSeconds(15));
        Assert.False(page.HasTestId("keys-loading"));
    }

    [Fact]
    public async Task RateLimits_EachKeyShowsItsLimit_TheOneThatHitItShowsIts429s_AndTheBannerFiltersToIt()
    {
        var (page, _) = await RenderAsAsync("member@acme.test");

        var limits = page.FindAll("[data-testid=key-limit]")
            .Select(e => string.Join(" ", e.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Equal(4, limits.Count);
        Assert.All(limits, l => Assert.Equal("600/min shared", l));
        var refused = Assert.Single(page.FindAll("[data-testid=limited-count]"));
        Assert.Matches(@"^\d+ × 429 in 24 h$", refused.TextContent.Trim());
        Assert.Contains("1 key went over its rate limit in the last 24 hours.", page.Text());

        await page.ActAsync(p => p.Find("button[aria-label='Show keys: Hit its limit (24 h)']"), e => e.ClickAsync(new MouseEventArgs()));

        page.WaitForAssertion(() =>
        {
            Assert.Contains("booking-widget-prod", page.Text());
            Assert.DoesNotContain("quickbooks-sync", page.Text());
            Assert.DoesNotContain("zapier-job-sync", page.Text());
            Assert.True(page.HasButton("Clear filters"));
        });
    }

}
