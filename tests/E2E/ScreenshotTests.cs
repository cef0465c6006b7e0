using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// Walks every page and dialog of the dashboard, and the first-run setup page, on a desktop (1280×800) and a phone
/// (390×844), in light and dark mode, and saves a screenshot of each: <c>05-key-detail.png</c> is the desktop in light
/// mode, <c>05-key-detail-phone-dark.png</c> the phone in dark mode. Writes to the folder in FIELDCAMP_SCREENSHOTS
/// (scripts/screenshots.sh points it at docs/screenshots), else to a temp folder.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ScreenshotTests(BrowserFixture browser) : IDisposable
{
    private AppServer? _app;
    private Screen _screen = Screen.Desktop;
    private readonly string _folder = Environment.GetEnvironmentVariable("FIELDCAMP_SCREENSHOTS")
        ?? Directory.CreateTempSubdirectory("fieldcamp-shots-").FullName;

    public static TheoryData<string> Screens => AccessibilityTests.Screens;

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task EveryPageAndDialog_RendersAndIsCaptured(string screenName)
    {
        _screen = Screen.Named(screenName);
        var app = _app = new AppServer();
        var login = await NewPageAsync(app);
        await login.GotoAsync("account/login");
        await Shot(login, "01-sign-in");
        await login.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await login.GetByText("Enter your email.").WaitForAsync();
        await Shot(login, "01-sign-in-invalid");

        var page = await browser.Browser.SignInAsync(app, "admin@acme.test", _screen);
        await page.GetByText("zapier-job-sync").WaitForAsync();
        await Shot(page, "02-api-keys-list");

        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name").FillAsync("booking-widget-staging");
        await dialog.GetByText("Booking widget intake").ClickAsync();
        await Shot(page, "03-create-key-dialog");

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var secret = page.GetByTestId("revealed-secret");
        await secret.WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Test key" }).ClickAsync();
        await page.GetByTestId("test-key-result").WaitForAsync();
        await Shot(page, "04-reveal-key-dialog");

        await page.GetByLabel("I have stored this key in a safe place").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        await secret.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        // The "Created …" notice would sit over the next pages' headers.
        var notice = page.Locator(".mud-snackbar");
        await notice.GetByRole(AriaRole.Button).ClickAsync();
        await notice.WaitForAsync(new() { State = WaitForSelectorState.Detached });

        // A demo key with two days of seeded traffic: its chart, recent requests and revoke dialog have something to show.
        await page.GetByRole(AriaRole.Link, new() { Name = "quickbooks-sync" }).ClickAsync();
        await page.WaitForURLAsync("**/api-keys/key_*");
        // The chart first draws at MudBlazor's default 650-wide bounds, then at its container's width once measured.
        var chart = page.Locator(".activity-chart svg.mud-chart-bar");
        await chart.Locator("path.mud-chart-bar").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Expect(chart).Not.ToHaveAttributeAsync("viewBox", new Regex("^0 0 650 "));
        await Shot(page, "05-key-detail");

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).WaitForAsync();
        await Shot(page, "06-edit-key-dialog");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).WaitForAsync();
        await Shot(page, "07-revoke-dialog");

        await page.GotoAsync("settings/developer/no-such-page");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Nothing here" }).WaitForAsync();
        await Shot(page, "09-not-found");

        await page.GotoAsync("docs/api");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Using the API", Level = 1 }).WaitForAsync();
        await Shot(page, "10-api-docs");

        var empty = await browser.Browser.SignInAsync(app, "owner@globex.test", _screen);
        await empty.GetByTestId("empty-state").WaitForAsync();
        await Shot(empty, "11-empty-branch");

        var member = await browser.Browser.SignInAsync(app, "member@acme.test", _screen);
        await member.GetByText("zapier-job-sync").WaitForAsync();
        await Shot(member, "08-member-read-only");
    }

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task SetupPage_FreshInstallation_RendersAndIsCaptured(string screenName)
    {
        _screen = Screen.Named(screenName);
        var app = _app = new AppServer("Production");
        var page = await NewPageAsync(app);
        await page.GotoAsync("setup");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Create your workspace" }).WaitForAsync();
        await Shot(page, "setup");

        await FirstRunSetupTests.FillSetupAsync(page, slug: "Northwind Services");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await page.GetByText("Use 2–40 lowercase letters").WaitForAsync();
        await Shot(page, "setup-invalid-slug");

        await page.GetByLabel("Company slug").FillAsync("northwind");
        await page.GetByLabel("Password").FillAsync("northwind1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await page.GetByText("Passwords must have at least one").WaitForAsync();
        await Shot(page, "setup-weak-password");
    }

    private async Task<IPage> NewPageAsync(AppServer app)
    {
        Directory.CreateDirectory(_folder);
        return await browser.Browser.NewPageAsync(app, _screen);
    }

    /// <summary>
    /// The viewport as a person sees it. A phone's page is captured whole, since it scrolls far, except under a dialog,
    /// which fills the phone's screen and scrolls within itself.
    /// </summary>
    private async Task Shot(IPage page, string name)
    {
        var suffix = (_screen.IsPhone ? "-phone" : "") + (_screen.Scheme == ColorScheme.Dark ? "-dark" : "");
        var dialogOpen = await page.GetByRole(AriaRole.Dialog).CountAsync() > 0;
        await page.ScreenshotAsync(new() { Path = Path.Combine(_folder, name + suffix + ".png"), FullPage = _screen.IsPhone && !dialogOpen });
    }

    public void Dispose() => _app?.Dispose();
}
