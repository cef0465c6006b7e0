using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace FieldCamp.Tests.E2E;

/// <summary>One headless Chromium for the whole run: Debian's package, never a downloaded build.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // A missing browser is a failure, never a skip: the suite would otherwise pass without testing the UI.
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"Chromium is not installed at {ChromiumPath}. Run ./test.sh, which installs Debian's chromium package, or apt-get install chromium.");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

public static class PageExtensions
{
    public const string DemoPassword = "FieldCamp!demo1";

    /// <summary>
    /// A fresh browser context (1280×800 in light mode unless a screen is given), signed in as a demo person, on the
    /// API Keys page once it is interactive.
    /// </summary>
    public static async Task<IPage> SignInAsync(this IBrowser browser, AppServer app, string email, Screen? screen = null)
    {
        var page = await browser.NewPageAsync(app, screen ?? Screen.Desktop);
        await page.GotoAsync("account/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(DemoPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/api-keys");
        await page.WaitForInteractiveAsync();
        return page;
    }

    /// <summary>A fresh, signed-out browser context on the given screen.</summary>
    public static async Task<IPage> NewPageAsync(this IBrowser browser, AppServer app, Screen screen) =>
        await (await browser.NewContextAsync(screen.ContextOptions(app))).NewPageAsync();

    /// <summary>
    /// Waits for the Blazor circuit: the layout renders this marker only once it runs interactively, and a click on
    /// the prerendered page before that would be lost.
    /// </summary>
    public static Task WaitForInteractiveAsync(this IPage page) =>
        page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

    /// <summary>
    /// Waits until the address matches, then for the document's load. Polls the page's address rather than calling
    /// WaitForURLAsync, which checks and then subscribes, and so can miss a navigation landing in between
    /// (playwright-dotnet#3364). Blazor routes inside the page, where that happens often enough to fail a CI run.
    /// </summary>
    public static async Task WaitForPathAsync(this IPage page, Regex url)
    {
        await Assertions.Expect(page).ToHaveURLAsync(url);
        await page.WaitForLoadStateAsync(LoadState.Load);
    }

    /// <summary>The same with Playwright's URL glob: <c>**</c> is any text, <c>*</c> any text without a slash.</summary>
    public static Task WaitForPathAsync(this IPage page, string glob) =>
        page.WaitForPathAsync(new Regex("^" + Regex.Escape(glob).Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*") + "$"));
}
