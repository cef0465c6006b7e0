using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// Walks every page and dialog state of the dashboard on a desktop and a phone, in light and dark mode, and checks
/// each with axe-core's WCAG 2.1 A and AA rules (no violation of any impact) and, on the phone, that no text ends
/// beyond the viewport's right edge. The named states are also captured as screenshots (see <see cref="AccessibilityAudit"/>).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<AppServer> _apps = [];

    public static TheoryData<string> Screens => ["1280 light", "1280 dark", "390 light", "390 dark"];

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task Dashboard_EveryPageAndDialog_PassesWcagAndFitsTheScreen(string screenName)
    {
        var screen = Screen.Named(screenName);
        var audit = new AccessibilityAudit(screen);
        var app = Start(new AppServer());

        var signIn = await NewPageAsync(app, screen);
        await signIn.GotoAsync("account/login");
        await audit.CheckAsync(signIn, "sign-in", shot: "01-sign-in");
        await signIn.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await signIn.GetByText("Enter your email.").WaitForAsync();
        await audit.CheckAsync(signIn, "sign-in with errors", shot: "01-sign-in-invalid");

        var page = Track(await browser.Browser.SignInAsync(app, "admin@acme.test", screen));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "zapier-job-sync", Exact = true })).ToBeVisibleAsync();
        await audit.CheckAsync(page, "key list with banners", shot: "02-api-keys-list");
        // One line: the app bar keeps Material's single-row height, with no title or switcher wrapping inside it.
        var appBar = await page.Locator(".mud-appbar .mud-toolbar").BoundingBoxAsync();
        Assert.True(appBar!.Height <= 64, $"The app bar is {appBar.Height} px high on {screen}: something in it wraps.");

        // Menus are opened and closed with the keyboard: Enter opens and focuses the first item, Escape closes.
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch branch" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "South" }).WaitForAsync();
        await audit.CheckAsync(page, "branch switcher open");
        await page.Keyboard.PressAsync("Escape");
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "South" }).WaitForAsync(new() { State = WaitForSelectorState.Hidden });

        await page.GetByRole(AriaRole.Button, new() { Name = "Account" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out" }).WaitForAsync();
        await audit.CheckAsync(page, "account menu open", shot: "02-account-menu");
        await page.Keyboard.PressAsync("Escape");
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out" }).WaitForAsync(new() { State = WaitForSelectorState.Hidden });

        await page.GetByRole(AriaRole.Button, new() { Name = "Show keys: Full access" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Clear filter: Full access" })).ToBeVisibleAsync();
        await audit.CheckAsync(page, "key list filtered by a banner");
        await page.GetByRole(AriaRole.Button, new() { Name = "Clear filter: Full access" }).ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();
        var form = page.GetByRole(AriaRole.Dialog, new() { Name = "Create API key" });
        await Expect(form).ToBeVisibleAsync();
        await audit.CheckAsync(page, "create dialog");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();
        await Expect(form.GetByTestId("scopes-error")).ToBeVisibleAsync();
        await audit.CheckAsync(page, "create dialog with errors");
        await form.GetByRole(AriaRole.Radio, new() { Name = "On a date" }).CheckAsync();
        await audit.CheckAsync(page, "create dialog with a date field");
        await form.GetByRole(AriaRole.Textbox, new() { Name = "Last day the key works (UTC)" }).ClickAsync();
        var calendar = page.GetByRole(AriaRole.Dialog, new() { Name = "Last day the key works (UTC)" });
        await Expect(calendar).ToBeVisibleAsync();
        await audit.CheckAsync(page, "date picker open");
        await page.Keyboard.PressAsync("Escape");
        await Expect(calendar).ToBeHiddenAsync();
        if (screen.IsPhone) await AssertFillsTheScreenAsync(form, screen);

        // The longest name a key may have: the list must still fit its card.
        var longName = KeyJourneySteps.UniqueKeyName("audit").PadRight(100, 'x');
        await form.GetByLabel("Name").FillAsync(longName);
        await form.GetByRole(AriaRole.Button, new() { Name = "Accounting sync", Exact = true }).ClickAsync();
        await form.GetByRole(AriaRole.Radio, new() { Name = "90 days" }).CheckAsync();
        await Expect(form.GetByTestId("scopes-error")).ToHaveCountAsync(0);
        await audit.CheckAsync(page, "create dialog filled in", shot: "03-create-key-dialog");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();
        await page.GetByTestId("revealed-secret").WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Test key" }).ClickAsync();
        await page.GetByTestId("test-key-result").WaitForAsync();
        await audit.CheckAsync(page, "one-time reveal, tested", shot: "04-reveal-key-dialog");
        await page.DismissRevealAsync();
        // The "Created …" notice would sit over the next pages.
        var notice = page.Locator(".mud-snackbar");
        await notice.GetByRole(AriaRole.Button).ClickAsync();
        await notice.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = longName })).ToBeVisibleAsync();
        var overflow = await page.GetByTestId("keys-grid").EvaluateAsync<double>(
            "grid => grid.querySelector('table').getBoundingClientRect().width - grid.getBoundingClientRect().width");
        Assert.True(overflow <= 1, $"With a 100-character name the key table is {overflow} px wider than its card on {screen}.");
        await page.GetByRole(AriaRole.Link, new() { Name = longName }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = longName, Level = 1 }).WaitForAsync();
        await audit.CheckAsync(page, "detail of a key with a 100-character name");
        await page.Locator(".mud-breadcrumbs").GetByRole(AriaRole.Link, new() { Name = "API Keys" }).ClickAsync();
        await page.GetByTestId("keys-grid").WaitForAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "quickbooks-sync", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "quickbooks-sync", Level = 1 }).WaitForAsync();
        await page.Locator(".activity-chart svg path.mud-chart-bar").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await audit.CheckAsync(page, "key detail", shot: "05-key-detail");

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true }).ClickAsync();
        var edit = page.GetByRole(AriaRole.Dialog, new() { Name = "Edit quickbooks-sync" });
        await Expect(edit).ToBeVisibleAsync();
        await audit.CheckAsync(page, "edit dialog", shot: "06-edit-key-dialog");
        await edit.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(edit).ToBeHiddenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        var revoke = page.GetByRole(AriaRole.Dialog, new() { Name = "Revoke quickbooks-sync?" });
        await Expect(revoke).ToBeVisibleAsync();
        await audit.CheckAsync(page, "revoke dialog", shot: "07-revoke-dialog");
        await revoke.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(revoke).ToBeHiddenAsync();

        // The demo's booking widget went over its limit: the list filtered to it, and its page with the 429s stacked apart.
        await page.Locator(".mud-breadcrumbs").GetByRole(AriaRole.Link, new() { Name = "API Keys" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Show keys: Hit its limit (24 h)" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "quickbooks-sync", Exact = true })).ToBeHiddenAsync();
        await audit.CheckAsync(page, "key list filtered to keys that hit their limit", shot: "05-api-keys-hit-limit");
        await page.GetByRole(AriaRole.Link, new() { Name = "booking-widget-prod", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "booking-widget-prod", Level = 1 }).WaitForAsync();
        await page.Locator(".activity-chart svg").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await audit.CheckAsync(page, "detail of a key that hit its limit", shot: "05-key-detail-limited");

        await page.GotoAsync("settings/developer/no-such-page");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Nothing here" }).WaitForAsync();
        await audit.CheckAsync(page, "not found", shot: "09-not-found");

        await page.GotoAsync("docs/guide");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Using the API", Level = 1 }).WaitForAsync();
        await audit.CheckAsync(page, "API docs", shot: "10-api-docs");

        // The demo's stale key was noticed when the app started.
        await page.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex(@"^Notifications, \d+ unread$") }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Notifications", Level = 1 }).WaitForAsync();
        await page.GetByTestId("notice").First.WaitForAsync();
        await audit.CheckAsync(page, "notifications", shot: "12-notifications");

        var member = Track(await browser.Browser.SignInAsync(app, "member@acme.test", screen));
        await Expect(member.GetByRole(AriaRole.Link, new() { Name = "zapier-job-sync", Exact = true })).ToBeVisibleAsync();
        await audit.CheckAsync(member, "member's read-only list", shot: "08-member-read-only");

        var empty = Track(await browser.Browser.SignInAsync(app, "owner@globex.test", screen));
        await empty.GetByTestId("empty-state").WaitForAsync();
        await audit.CheckAsync(empty, "a branch without keys", shot: "11-empty-branch");

        var fresh = Start(new AppServer("Production"));
        var setup = await NewPageAsync(fresh, screen);
        await setup.GotoAsync("setup");
        await audit.CheckAsync(setup, "workspace setup", shot: "setup");
        await setup.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await setup.Locator("[aria-invalid=true]").First.WaitForAsync();
        await audit.CheckAsync(setup, "workspace setup with errors", shot: "setup-invalid");

        audit.AssertClean();
    }

    /// <summary>A phone's dialog is the whole screen, not a box floating over the page.</summary>
    private static async Task AssertFillsTheScreenAsync(ILocator dialog, Screen screen)
    {
        var box = await dialog.BoundingBoxAsync();
        Assert.True(box is { X: 0, Y: 0 } && box.Width == screen.Width && box.Height == screen.Height,
            $"The dialog is {box?.Width}×{box?.Height} at ({box?.X}, {box?.Y}) on a {screen.Width}×{screen.Height} screen.");
    }

    private AppServer Start(AppServer app)
    {
        _apps.Add(app);
        return app;
    }

    private IPage Track(IPage page)
    {
        _contexts.Add(page.Context);
        return page;
    }

    private async Task<IPage> NewPageAsync(AppServer app, Screen screen) => Track(await browser.Browser.NewPageAsync(app, screen));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        foreach (var app in _apps) app.Dispose();
    }
}
