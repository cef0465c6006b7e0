using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>Dark mode follows the device until the person chooses; the choice survives a reload and reaches sign-in.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ThemeTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private readonly List<IBrowserContext> _contexts = [];

    [Fact]
    public async Task Theme_DeviceInDarkMode_DashboardAndSignInAreDark()
    {
        var page = await SignInAsync(Screen.DesktopDark);
        Assert.True(await IsDarkAsync(page, "body"));

        var signIn = await browser.Browser.NewPageAsync(_app, Screen.DesktopDark);
        _contexts.Add(signIn.Context);
        await signIn.GotoAsync("account/login");
        Assert.True(await IsDarkAsync(signIn, ".account-card"));
    }

    [Fact]
    public async Task Theme_DeviceInDarkMode_FullLoadNeverPaintsLight()
    {
        var page = await SignInAsync(Screen.DesktopDark);
        // Every frame from the first paint on: is any visible part of the page light?
        await page.Context.AddInitScriptAsync("""
            window.lightFrames = 0;
            const light = e => {
              const m = getComputedStyle(e).backgroundColor.match(/\d+(\.\d+)?/g);
              if (!m || (m.length === 4 && Number(m[3]) === 0)) return null; // transparent: the parent decides
              const [r, g, b] = m.map(Number);
              return (0.2126 * r + 0.7152 * g + 0.0722 * b) >= 128;
            };
            const sample = () => {
              const layout = document.querySelector(".mud-layout");
              const shown = layout && getComputedStyle(layout).visibility !== "hidden" ? layout : null;
              const painted = [shown, document.body, document.documentElement].filter(Boolean).map(light).find(v => v !== null);
              if (painted === true) window.lightFrames++;
              if (!document.querySelector("[data-interactive]")) requestAnimationFrame(sample);
            };
            requestAnimationFrame(sample);
            """);

        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();

        Assert.Equal(0, await page.EvaluateAsync<int>("window.lightFrames"));
        Assert.True(await IsDarkAsync(page, "body"));
    }

    [Fact]
    public async Task Theme_ChosenInTheAccountMenu_AppliesAtOnceAndIsRemembered()
    {
        var page = await SignInAsync(Screen.Desktop);
        Assert.False(await IsDarkAsync(page, "body"));

        await ChooseAsync(page, "Theme: dark");
        await Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(16, 23, 25)");

        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        Assert.True(await IsDarkAsync(page, "body"));
        await page.GotoAsync("account/login");
        Assert.True(await IsDarkAsync(page, ".account-card"));

        // Back to the device's setting, which is light here.
        await page.GotoAsync("settings/developer/api-keys");
        await page.WaitForInteractiveAsync();
        await ChooseAsync(page, "Theme: same as this device");
        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        Assert.False(await IsDarkAsync(page, "body"));
    }

    private async Task<IPage> SignInAsync(Screen screen)
    {
        var page = await browser.Browser.SignInAsync(_app, "admin@acme.test", screen);
        _contexts.Add(page.Context);
        return page;
    }

    private static async Task ChooseAsync(IPage page, string theme)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Account", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = theme }).ClickAsync();
    }

    /// <summary>Dark means the element's own background is darker than mid-grey.</summary>
    private static Task<bool> IsDarkAsync(IPage page, string selector) => page.Locator(selector).First.EvaluateAsync<bool>("""
        e => {
          const [r, g, b] = getComputedStyle(e).backgroundColor.match(/\d+/g).map(Number);
          return (0.2126 * r + 0.7152 * g + 0.0722 * b) < 128;
        }
        """);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        _app.Dispose();
    }
}
