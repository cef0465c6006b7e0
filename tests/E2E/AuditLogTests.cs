using System.Text.RegularExpressions;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// The audit log as an admin reads it after working in the dashboard: their sign-in and the key they created and
/// revoked, each from the browser's own address and user agent; the filtered view downloaded as CSV; the page's
/// accessibility on a desktop and a phone in dark mode.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AuditLogTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private readonly List<IPage> _pages = [];

    private async Task<IPage> SignInAsync(Screen? screen = null)
    {
        var page = await browser.Browser.SignInAsync(_app, "admin@acme.test", screen);
        _pages.Add(page);
        return page;
    }

    private static async Task OpenAuditLogAsync(IPage page)
    {
        if (await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).IsVisibleAsync())
            await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        else
            await page.GotoAsync("settings/developer/audit-log");
        await page.WaitForPathAsync("**/settings/developer/audit-log");
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Audit log", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=audit-log] tbody tr").First).ToBeVisibleAsync();
    }

    /// <summary>The table row of the newest event of a type about the named key.</summary>
    private static ILocator Row(IPage page, string type, string keyName) =>
        page.Locator("tr").Filter(new() { Has = page.Locator($"[data-testid=audit-event][data-type={type}]") })
            .Filter(new() { Has = page.GetByTestId("audit-key").GetByText(keyName, new() { Exact = true }) }).First;

    private static async Task<string> CreateAndRevokeAsync(IPage page)
    {
        var name = KeyJourneySteps.UniqueKeyName("audited");
        await page.CreateKeyAsync(name);
        await page.DismissRevealAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/api-keys/key_*");
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke key" }).ClickAsync();
        await Expect(page.GetByText($"Revoked {name}.")).ToBeVisibleAsync();
        return name;
    }

    [Fact]
    public async Task KeyEvents_OfTheTest_ShowWhoAndTheBrowsersAddress_AndTheCsvHoldsTheFilteredRows()
    {
        var page = await SignInAsync();
        var userAgent = await page.EvaluateAsync<string>("navigator.userAgent");
        var name = await CreateAndRevokeAsync(page);

        await OpenAuditLogAsync(page);
        foreach (var (type, label) in new[] { ("api_key_revoked", "Key revoked"), ("api_key_created", "Key created") })
        {
            var row = Row(page, type, name);
            await Expect(row).ToContainTextAsync(label);
            await Expect(row.GetByTestId("audit-actor")).ToContainTextAsync("admin@acme.test");
            // The browser's own address and user agent, captured when the page was opened, not the server's.
            await Expect(row.GetByTestId("audit-ip")).ToHaveTextAsync("127.0.0.1");
            await Expect(row.GetByTestId("audit-user-agent")).ToHaveAttributeAsync("aria-label", $"User agent: {userAgent}");
            await Expect(row).ToContainTextAsync("North");
            await Expect(row).ToContainTextAsync(new Regex("just now|minutes? ago"));
        }
        // Newest first: the revoke above the create.
        var types = await page.GetByTestId("audit-event").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.type)");
        Assert.True(Array.IndexOf(types, "api_key_revoked") < Array.IndexOf(types, "api_key_created"), string.Join(", ", types));

        // Only revocations, then the CSV of that view.
        await page.GetByTestId("filter-type").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Key revoked", Exact = true }).ClickAsync();
        await Expect(page.Locator("[data-testid=audit-event]:not([data-type=api_key_revoked])")).ToHaveCountAsync(0);
        await Expect(Row(page, "api_key_revoked", name)).ToBeVisibleAsync();

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("audit-log-export").ClickAsync());
        Assert.Matches(@"^audit-log-\d{8}-\d{4}\.csv$", download.SuggestedFilename);
        var path = await download.PathAsync();
        var lines = await File.ReadAllLinesAsync(path!);
        Assert.StartsWith("occurred_at_utc,event,type,actor_type,actor,actor_id,ip,user_agent,branch,key_id,subject", lines[0]);
        var rows = lines.Skip(1).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Contains(",Key revoked,api_key_revoked,", r));
        Assert.Contains(rows, r => r.Contains($",{name},", StringComparison.Ordinal) && r.Contains(",admin@acme.test,") && r.Contains(",127.0.0.1,"));
    }

    [Fact]
    public async Task SignIn_OfTheTest_IsInTheLog()
    {
        // Recorded by the sign-in stream (issue 13); on a branch without it this fails.
        var page = await SignInAsync();
        await OpenAuditLogAsync(page);

        var signIn = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=audit-event][data-type=sign_in_succeeded]") }).First;
        await Expect(signIn.GetByTestId("audit-actor")).ToContainTextAsync("admin@acme.test");
        await Expect(signIn.GetByTestId("audit-ip")).ToHaveTextAsync("127.0.0.1");
    }

    [Fact]
    public async Task AuditLogPage_PassesWcag_OnDesktopAndPhoneDark()
    {
        foreach (var screen in new[] { Screen.Desktop, Screen.PhoneDark })
        {
            var audit = new AccessibilityAudit(screen);
            var page = await SignInAsync(screen);
            if (screen == Screen.Desktop)
            {
                await CreateAndRevokeAsync(page);
                // The revoke's notice fades out over the next page; checked mid-fade its colours are not the real ones.
                await Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
            }
            await OpenAuditLogAsync(page);
            await audit.CheckAsync(page, "audit log", shot: "14-audit-log");

            await page.GetByTestId("filter-type").ClickAsync();
            await Expect(page.GetByRole(AriaRole.Option, new() { Name = "Key revoked", Exact = true })).ToBeVisibleAsync();
            await audit.CheckAsync(page, "audit log event filter open", shot: "14-audit-log-filter");
            await page.Keyboard.PressAsync("Escape");
            audit.AssertClean();
        }
    }

    [Fact]
    public async Task Member_IsRefused_WithAClearMessage()
    {
        var page = await browser.Browser.SignInAsync(_app, "member@acme.test");
        _pages.Add(page);
        await page.GotoAsync("settings/developer/audit-log");
        await page.WaitForInteractiveAsync();

        await Expect(page.GetByTestId("audit-log-refused")).ToContainTextAsync("Only owners and admins can read the audit log.");
        await Expect(page.GetByTestId("audit-log")).ToHaveCountAsync(0);
        // The download is refused by the server too, not only hidden.
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var north = await db.Branches.Where(b => b.Name == "North").Select(b => b.Id).SingleAsync();
        var response = await page.APIRequest.GetAsync($"settings/developer/audit-log/export?branch={north}");
        Assert.Equal(403, response.Status);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var page in _pages) await page.Context.CloseAsync();
        _app.Dispose();
    }
}
