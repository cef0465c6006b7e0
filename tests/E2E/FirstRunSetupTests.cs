using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// A fresh installation in Production: an empty database, every page leading to the one-time <c>/setup</c>, and the
/// first owner creating the workspace there. <c>/setup</c> and the sign-in page are static forms (no circuit): each
/// submit answers with a new page, which the assertions wait for.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FirstRunSetupTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly Regex SetupUrl = new(@"/setup(\?|$)");
    private static readonly Regex LoginUrl = new(@"/account/login(\?|$)");
    private static readonly Regex ApiKeysUrl = new(@"/settings/developer/api-keys$");

    private const string OwnerEmail = "owner@northwind.test";
    private const string OwnerPassword = "Northwind!owner1";

    private readonly AppServer _app = new("Production");
    private readonly List<IBrowserContext> _contexts = [];

    [Fact]
    public async Task Dashboard_FreshInstallation_LeadsToSetup()
    {
        var page = await NewPageAsync();

        await page.GotoAsync("");
        await Expect(page).ToHaveURLAsync(SetupUrl);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Create your workspace" })).ToBeVisibleAsync();

        await page.GotoAsync("settings/developer/api-keys");
        await Expect(page).ToHaveURLAsync(SetupUrl);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" })).ToBeVisibleAsync();

        await page.GotoAsync("account/login");
        await Expect(page).ToHaveURLAsync(SetupUrl);
    }

    [Fact]
    public async Task Setup_BadSlug_ShowsFieldErrorAndKeepsTypedValues()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("setup");

        await FillSetupAsync(page, slug: "Northwind Services");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();

        await Expect(page.GetByText("Use 2–40 lowercase letters, digits or dashes, starting with a letter.")).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(SetupUrl);
        // A screen reader hears the error with the field: it is marked invalid and described by its hint and the error.
        await Expect(page.GetByLabel("Company slug")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Company slug")).ToHaveAccessibleDescriptionAsync(
            "Integrations and legacy tokens name the company by it. Use 2–40 lowercase letters, digits or dashes, starting with a letter.");
        await Expect(page.GetByLabel("Company name")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Company name")).ToHaveValueAsync("Northwind Field Services");
        await Expect(page.GetByLabel("Company slug")).ToHaveValueAsync("Northwind Services");
        await Expect(page.GetByLabel("First branch")).ToHaveValueAsync("Seattle");
        await Expect(page.GetByLabel("Email")).ToHaveValueAsync(OwnerEmail);
        await Expect(page.GetByLabel("Password")).ToHaveValueAsync("");
        // Nothing was created: the dashboard still leads to setup.
        await page.GotoAsync("");
        await Expect(page).ToHaveURLAsync(SetupUrl);
    }

    [Fact]
    public async Task Setup_BadSlugCorrected_ClearsTheErrorAndKeepsTheHint()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("setup");
        await FillSetupAsync(page, slug: "Northwind Services");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        var slug = page.GetByLabel("Company slug");
        await Expect(slug).ToHaveAttributeAsync("aria-invalid", "true");

        await slug.FillAsync("northwind");

        await Expect(slug).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(slug).ToHaveAccessibleDescriptionAsync("Integrations and legacy tokens name the company by it.");
        await Expect(page.GetByText("Use 2–40 lowercase letters, digits or dashes, starting with a letter.")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Setup_WeakPassword_NamesTheRuleOnThePasswordFieldAndCreatesNothing()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("setup");

        await FillSetupAsync(page, slug: "northwind");
        await page.GetByLabel("Password").FillAsync("northwind1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();

        var password = page.GetByLabel("Password");
        await Expect(page.Locator("#password-error")).ToContainTextAsync("Passwords must have at least one");
        await Expect(password).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(password).ToHaveAccessibleDescriptionAsync(new Regex(
            "^At least 8 characters, with upper and lower case, a digit and a symbol\\. Passwords must have at least one"));
        await Expect(page.GetByLabel("Company slug")).ToHaveValueAsync("northwind");
        await Expect(page.GetByLabel("Company slug")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        // The company was not kept without its owner: setup is still open and takes the same slug.
        await page.GetByLabel("Password").FillAsync(OwnerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();
        await page.WaitForPathAsync(ApiKeysUrl);
    }

    [Fact]
    public async Task Setup_Valid_CreatesWorkspaceSignsOwnerInAndIsGoneAfterwards()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("setup");

        await FillSetupAsync(page, slug: "northwind");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" }).ClickAsync();

        // The owner is signed in straight away and lands on their (empty) key list.
        await page.WaitForPathAsync(ApiKeysUrl);
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "API keys", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch branch" })).ToHaveAccessibleNameAsync("Branch: Seattle of Northwind Field Services. Switch branch");
        await Expect(page.GetByText("No keys in this branch yet.")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).First).ToBeVisibleAsync();

        // The dashboard no longer leads to setup: the home page opens Settings → Developer → API Keys.
        await page.GotoAsync("");
        await page.WaitForPathAsync(ApiKeysUrl);
        await page.WaitForInteractiveAsync();
        var navLink = page.GetByRole(AriaRole.Navigation, new() { Name = "Developer" }).GetByRole(AriaRole.Link, new() { Name = "API Keys" });
        await Expect(navLink).ToHaveAttributeAsync("aria-current", "page");
        await Expect(page.GetByText("No keys in this branch yet.")).ToBeVisibleAsync();

        // The setup form is gone for good: /setup sends people to sign in.
        await page.GotoAsync("setup");
        await Expect(page).ToHaveURLAsync(LoginUrl);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" })).ToHaveCountAsync(0);

        // In a new browser, the owner signs in with the password chosen on setup.
        var fresh = await NewPageAsync();
        await fresh.GotoAsync("setup");
        await Expect(fresh).ToHaveURLAsync(LoginUrl);
        await fresh.GetByLabel("Email").FillAsync(OwnerEmail);
        await fresh.GetByLabel("Password").FillAsync(OwnerPassword);
        await fresh.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await fresh.WaitForPathAsync(ApiKeysUrl);
        await fresh.WaitForInteractiveAsync();
        await Expect(fresh.GetByText("No keys in this branch yet.")).ToBeVisibleAsync();
    }

    /// <summary>Fills every field of the setup form with the Northwind owner, and the given slug.</summary>
    internal static async Task FillSetupAsync(IPage page, string slug)
    {
        await page.GetByLabel("Company name").FillAsync("Northwind Field Services");
        await page.GetByLabel("Company slug").FillAsync(slug);
        await page.GetByLabel("First branch").FillAsync("Seattle");
        await page.GetByLabel("Email").FillAsync(OwnerEmail);
        await page.GetByLabel("Password").FillAsync(OwnerPassword);
    }

    private async Task<IPage> NewPageAsync()
    {
        var context = await browser.Browser.NewContextAsync(new()
        {
            BaseURL = _app.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        _contexts.Add(context);
        return await context.NewPageAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        _app.Dispose();
    }
}
