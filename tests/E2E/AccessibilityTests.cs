using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// Walks every page and dialog state of the dashboard on a desktop and a phone, in light and dark mode, and checks
/// each with axe-core's WCAG 2.1 A and AA rules (no violation of any impact) and, on the phone, that no text ends
/// beyond the viewport's right edge.
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
        await audit.CheckAsync(signIn, "sign-in");
        await signIn.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await signIn.GetByText("Enter your email.").WaitForAsync();
        await audit.CheckAsync(signIn, "sign-in with errors");

        var page = Track(await browser.Browser.SignInAsync(app, "admin@acme.test", screen));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "zapier-job-sync", Exact = true })).ToBeVisibleAsync();
        await audit.CheckAsync(page, "key list with banners");

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
        await audit.CheckAsync(page, "account menu open");
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

        await form.GetByLabel("Name").FillAsync(KeyJourneySteps.UniqueKeyName("audit"));
        await form.GetByRole(AriaRole.Button, new() { Name = "Accounting sync", Exact = true }).ClickAsync();
        await form.GetByRole(AriaRole.Radio, new() { Name = "90 days" }).CheckAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();
        await page.GetByTestId("revealed-secret").WaitForAsync();
        await audit.CheckAsync(page, "one-time reveal");
        await page.DismissRevealAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "quickbooks-sync", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "quickbooks-sync", Level = 1 }).WaitForAsync();
        await page.Locator(".activity-chart svg").First.WaitForAsync();
        await audit.CheckAsync(page, "key detail");

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true }).ClickAsync();
        var edit = page.GetByRole(AriaRole.Dialog, new() { Name = "Edit quickbooks-sync" });
        await Expect(edit).ToBeVisibleAsync();
        await audit.CheckAsync(page, "edit dialog");
        await edit.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(edit).ToBeHiddenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        var revoke = page.GetByRole(AriaRole.Dialog, new() { Name = "Revoke quickbooks-sync?" });
        await Expect(revoke).ToBeVisibleAsync();
        await audit.CheckAsync(page, "revoke dialog");
        await revoke.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(revoke).ToBeHiddenAsync();

        await page.GotoAsync("settings/developer/no-such-page");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Nothing here" }).WaitForAsync();
        await audit.CheckAsync(page, "not found");

        var member = Track(await browser.Browser.SignInAsync(app, "member@acme.test", screen));
        await Expect(member.GetByRole(AriaRole.Link, new() { Name = "zapier-job-sync", Exact = true })).ToBeVisibleAsync();
        await audit.CheckAsync(member, "member's read-only list");

        var fresh = Start(new AppServer("Production"));
        var setup = await NewPageAsync(fresh, screen);
        await setup.GotoAsync("setup");
        await audit.CheckAsync(setup, "workspace setup");
        await setup.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await setup.Locator("[aria-invalid=true]").First.WaitForAsync();
        await audit.CheckAsync(setup, "workspace setup with errors");

        audit.AssertClean();
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
