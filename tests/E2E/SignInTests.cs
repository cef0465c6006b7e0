using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// The sign-in page, the redirect to it, throttling after repeated failures (never a lock-out), signing out, and a
/// hostile return address.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly Regex LoginUrl = new(@"/account/login(\?|$)");

    private readonly AppServer _app = new();
    private IBrowserContext? _context;

    [Fact]
    public async Task SignIn_WrongPassword_ShowsErrorAndStaysOnSignIn()
    {
        var page = await NewPageAsync();

        await SubmitSignInAsync(page, "member@acme.test", "not-the-password");

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Email or password is incorrect.");
        await Expect(page).ToHaveURLAsync(LoginUrl);
        // The email is kept for the next try; the password is never written back into the page.
        await Expect(page.GetByLabel("Email")).ToHaveValueAsync("member@acme.test");
        await Expect(page.GetByLabel("Password")).ToHaveValueAsync("");
    }

    [Fact]
    public async Task SignIn_Empty_EachFieldIsMarkedAndDescribedByItsError()
    {
        var page = await NewPageAsync();

        await SubmitSignInAsync(page, "", "");

        await Expect(page.GetByLabel("Email")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Email")).ToHaveAccessibleDescriptionAsync("Enter your email.");
        await Expect(page.GetByLabel("Password")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Password")).ToHaveAccessibleDescriptionAsync("Enter your password.");
        await Expect(page).ToHaveURLAsync(LoginUrl);
    }

    // The page is static (no circuit): the error came with it, and goes as soon as the field holds an email.
    [Fact]
    public async Task SignIn_EmptyThenEmailTyped_ClearsOnlyTheEmailError()
    {
        var page = await NewPageAsync();
        await SubmitSignInAsync(page, "", "");
        var email = page.GetByLabel("Email");
        await Expect(email).ToHaveAttributeAsync("aria-invalid", "true");

        await email.PressSequentiallyAsync("member");
        await Expect(email).ToHaveAccessibleDescriptionAsync("Enter your email."); // not an email yet
        await email.PressSequentiallyAsync("@acme.test");

        await Expect(email).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(email).ToHaveAccessibleDescriptionAsync("");
        await Expect(page.GetByText("Enter your email.")).ToHaveCountAsync(0);
        await Expect(page.GetByLabel("Password")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Password")).ToHaveAccessibleDescriptionAsync("Enter your password.");
    }

    [Fact]
    public async Task ApiKeysPage_Unauthenticated_RedirectsToSignIn()
    {
        var page = await NewPageAsync();

        await page.GotoAsync("settings/developer/api-keys");

        await Expect(page).ToHaveURLAsync(LoginUrl);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
    }

    [Theory]
    [InlineData("1280 light")]
    [InlineData("390 dark")]
    public async Task SignIn_FiveWrongPasswords_ThrottlesThisBrowserWithoutLockingTheAccount(string screenName)
    {
        var screen = Screen.Named(screenName);
        const string email = "owner@globex.test";
        var page = await NewPageAsync(screen);
        var audit = new AccessibilityAudit(screen);

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await SubmitSignInAsync(page, email, $"wrong-{attempt}");
            // Each attempt starts from a page without a message, so a message means this attempt was answered.
            await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Email or password is incorrect.");
        }

        // From this browser even the right password now waits; the same words for an e-mail that has no account.
        await SubmitSignInAsync(page, email, PageExtensions.DemoPassword);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(new Regex(@"^Too many attempts\. Try again in \d+ seconds\.$"));
        await Expect(page).ToHaveURLAsync(LoginUrl);
        await audit.CheckAsync(page, "sign-in throttled", shot: "01-sign-in-throttled");
        audit.AssertClean();

        // The account itself is not locked: Identity counted no failure and set no lock-out for the owner.
        await using var db = OpenDatabase();
        var owner = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
        Assert.Equal(0, owner.AccessFailedCount);
        Assert.Null(owner.LockoutEnd);
    }

    [Fact]
    public async Task SignIn_HostileReturnUrl_LandsOnTheApiKeysPage()
    {
        var page = await NewPageAsync();

        await page.GotoAsync("account/login?ReturnUrl=" + Uri.EscapeDataString("/caf\u00e9"));
        await page.GetByLabel("Email").FillAsync("admin@acme.test");
        await page.GetByLabel("Password").FillAsync(PageExtensions.DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.WaitForPathAsync("**/settings/developer/api-keys");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "API keys", Exact = true })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task SignOut_FromPersonMenu_ReturnsToSignIn()
    {
        var page = await SignInAsOwnerAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Account", Exact = true }).ClickAsync();
        var signOut = page.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out", Exact = true });
        await Expect(signOut).ToBeVisibleAsync();
        await signOut.ClickAsync();

        await page.WaitForPathAsync(LoginUrl);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        // The session cookie is gone: the dashboard asks for sign-in again.
        await page.GotoAsync("settings/developer/api-keys");
        await Expect(page).ToHaveURLAsync(LoginUrl);
    }

    [Fact]
    public async Task SignOut_CookieCopiedBefore_NoLongerOpensTheDashboard()
    {
        var page = await SignInAsOwnerAsync();
        var copied = await page.Context.CookiesAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Account", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await page.WaitForPathAsync(LoginUrl);

        // Another browser holding the copy is asked to sign in: the session ended on the server, not only here.
        await using var other = await browser.Browser.NewContextAsync(new() { BaseURL = _app.BaseAddress.ToString() });
        await other.AddCookiesAsync(copied.Select(c => new Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, Secure = c.Secure, SameSite = c.SameSite,
        }));
        var replay = await other.NewPageAsync();
        await replay.GotoAsync("settings/developer/api-keys");
        await Expect(replay).ToHaveURLAsync(LoginUrl);
    }

    [Fact]
    public async Task Api_WithOnlyTheDashboardSessionCookie_AnswersMissingCredentials()
    {
        var page = await SignInAsOwnerAsync();

        // The browser's own request context sends the signed-in owner's session cookie along.
        var response = await page.Context.APIRequest.GetAsync("api/v1/company-info");

        Assert.Equal(401, response.Status);
        Assert.Contains("\"code\":\"missing_credentials\"", await response.TextAsync());
    }

    private async Task<IPage> SignInAsOwnerAsync()
    {
        var page = await browser.Browser.SignInAsync(_app, "owner@acme.test");
        _context = page.Context;
        return page;
    }

    private async Task<IPage> NewPageAsync(Screen? screen = null)
    {
        _context = await browser.Browser.NewContextAsync(screen?.ContextOptions(_app) ?? new() { BaseURL = _app.BaseAddress.ToString() });
        return await _context.NewPageAsync();
    }

    private FieldCamp.Web.Data.AppDbContext OpenDatabase() =>
        _app.Services.GetRequiredService<IDbContextFactory<FieldCamp.Web.Data.AppDbContext>>().CreateDbContext();

    /// <summary>Opens a fresh sign-in page and submits it; the answer is a new page, so no message is carried over.</summary>
    private static async Task SubmitSignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("account/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_context is not null) await _context.CloseAsync();
        _app.Dispose();
    }
}
