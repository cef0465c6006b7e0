using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// Walks every page and dialog of the API Keys area, and the first-run setup page, at 1280×800 and saves a
/// screenshot of each. Writes to the folder in FIELDCAMP_SCREENSHOTS (scripts/screenshots.sh points it at
/// docs/screenshots), else to a temp folder.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ScreenshotTests(BrowserFixture browser) : IDisposable
{
    private AppServer? _app;
    private readonly string _folder = Environment.GetEnvironmentVariable("FIELDCAMP_SCREENSHOTS")
        ?? Directory.CreateTempSubdirectory("fieldcamp-shots-").FullName;

    [Fact]
    public async Task EveryPageAndDialog_RendersAndIsCaptured()
    {
        var app = _app = new AppServer();
        var login = await NewPageAsync(app);
        await login.GotoAsync("account/login");
        await Shot(login, "01-sign-in");
        await login.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await login.GetByText("Enter your email.").WaitForAsync();
        await Shot(login, "01-sign-in-invalid");

        var page = await browser.Browser.SignInAsync(app, "admin@acme.test");
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

        var member = await browser.Browser.SignInAsync(app, "member@acme.test");
        await member.GetByText("zapier-job-sync").WaitForAsync();
        await Shot(member, "08-member-read-only");
    }

    [Fact]
    public async Task SetupPage_FreshInstallation_RendersAndIsCaptured()
    {
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
        var context = await browser.Browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 800 } });
        return await context.NewPageAsync();
    }

    private Task Shot(IPage page, string name) => page.ScreenshotAsync(new() { Path = Path.Combine(_folder, name + ".png") });

    public void Dispose() => _app?.Dispose();
}
