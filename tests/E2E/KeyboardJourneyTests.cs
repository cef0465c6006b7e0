using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// The whole key journey with the keyboard alone: sign in, skip to content, create a key, copy it, confirm and close
/// the reveal, edit it, revoke it, switch branch and sign out. Every stop on the way shows a visible focus ring.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class KeyboardJourneyTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    [Fact]
    public async Task KeyJourney_KeyboardOnly_CreateCopyEditRevokeSwitchBranchSignOut()
    {
        var name = KeyJourneySteps.UniqueKeyName("keyboard");
        var page = _page = await browser.Browser.NewPageAsync(_app, Screen.Desktop);
        var keys = page.Keyboard;

        await page.GotoAsync("account/login");
        await Expect(page.GetByLabel("Email")).ToBeFocusedAsync();
        await keys.TypeAsync("admin@acme.test");
        await keys.PressAsync("Tab");
        await keys.TypeAsync(PageExtensions.DemoPassword);
        await keys.PressAsync("Enter");
        await page.WaitForPathAsync("**/settings/developer/api-keys");
        await page.WaitForInteractiveAsync();

        // The first Tab reaches "Skip to content", which moves focus past the app bar and the navigation.
        await keys.PressAsync("Tab");
        var skip = page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" });
        await Expect(skip).ToBeFocusedAsync();
        await Expect(skip).ToBeInViewportAsync();
        await keys.PressAsync("Enter");
        await Expect(page.Locator("#main-content")).ToBeFocusedAsync();

        // Create: the dialog opens on its first field; Tab reaches a preset and the submit button.
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }));
        await keys.PressAsync("Enter");
        var form = page.GetByRole(AriaRole.Dialog, new() { Name = "Create API key" });
        await Expect(form.GetByLabel("Name")).ToBeFocusedAsync();
        await keys.TypeAsync(name);
        await TabToAsync(page, form.GetByRole(AriaRole.Button, new() { Name = "Read-only analytics", Exact = true }));
        await keys.PressAsync("Enter");
        await TabToAsync(page, form.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }));
        await keys.PressAsync("Enter");

        // Reveal: copy, confirm, done. Escape does not close it: the secret is shown this once.
        var secret = page.GetByTestId("revealed-secret");
        await secret.WaitForAsync();
        await keys.PressAsync("Escape");
        await Expect(secret).ToBeVisibleAsync();
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Copy key" }));
        await keys.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Copied" }).First).ToBeAttachedAsync();
        await TabToAsync(page, page.GetByLabel("I have stored this key in a safe place"));
        await keys.PressAsync("Space");
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Done", Exact = true }));
        await keys.PressAsync("Enter");
        await secret.WaitForAsync(new() { State = WaitForSelectorState.Detached });

        // Open the new key's page from the list.
        await TabToAsync(page, page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }));
        await keys.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Level = 1 })).ToBeVisibleAsync();

        // Edit: Escape cancels; then rename and save.
        var edit = page.GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true });
        await TabToAsync(page, edit);
        await keys.PressAsync("Enter");
        var editDialog = page.GetByRole(AriaRole.Dialog, new() { Name = $"Edit {name}" });
        await Expect(editDialog.GetByLabel("Name")).ToBeFocusedAsync();
        await keys.PressAsync("Escape");
        await Expect(editDialog).ToBeHiddenAsync();
        await TabToAsync(page, edit);
        await keys.PressAsync("Enter");
        await Expect(editDialog.GetByLabel("Name")).ToBeFocusedAsync();
        await keys.PressAsync("End");
        await keys.TypeAsync("-renamed");
        await TabToAsync(page, editDialog.GetByRole(AriaRole.Button, new() { Name = "Save changes" }));
        await keys.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"{name}-renamed", Level = 1 })).ToBeVisibleAsync();

        // Revoke: Escape cancels; then confirm.
        var revoke = page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true });
        await TabToAsync(page, revoke);
        await keys.PressAsync("Enter");
        var revokeDialog = page.GetByRole(AriaRole.Dialog, new() { Name = $"Revoke {name}-renamed?" });
        // Never used, so no typed confirmation: the dialog opens on Cancel.
        await Expect(revokeDialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
        await keys.PressAsync("Escape");
        await Expect(revokeDialog).ToBeHiddenAsync();
        await TabToAsync(page, revoke);
        await keys.PressAsync("Enter");
        await TabToAsync(page, revokeDialog.GetByRole(AriaRole.Button, new() { Name = "Revoke key" }));
        await keys.PressAsync("Enter");
        await Expect(page.GetByTestId("key-status").First).ToHaveTextAsync("Revoked");

        // Switch branch from the app bar's menu: Enter opens it on its first item, arrows move, Enter picks.
        var switcher = page.GetByRole(AriaRole.Button, new() { Name = "Switch branch" });
        await TabToAsync(page, switcher, backwards: true);
        await keys.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "North" })).ToBeFocusedAsync();
        await keys.PressAsync("ArrowDown");
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "South" })).ToBeFocusedAsync();
        await page.ReloadedByAsync(() => keys.PressAsync("Enter"));
        await Expect(switcher).ToHaveTextAsync("South");

        // Sign out from the account menu.
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Account" }));
        await keys.PressAsync("Enter");
        // The menu moves focus after a round trip to the server: wait for each item before the next key, or a fast
        // ArrowDown lands while focus is still on its way and the walk overshoots.
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Theme: same as this device" })).ToBeFocusedAsync();
        foreach (var next in new[] { "Theme: light", "Theme: dark", "Sign out" })
        {
            await keys.PressAsync("ArrowDown");
            await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = next })).ToBeFocusedAsync();
        }
        await keys.PressAsync("Enter");
        await page.WaitForPathAsync("**/account/login");
    }

    /// <summary>
    /// Presses Tab (or Shift+Tab) until the target has focus, failing after a bound; every element passed on the way
    /// must show a focus ring of at least 2 px.
    /// </summary>
    private static async Task TabToAsync(IPage page, ILocator target, bool backwards = false, int maxPresses = 60)
    {
        await target.WaitForAsync();
        for (var i = 0; i < maxPresses; i++)
        {
            if (await IsFocusedAsync(target)) return;
            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
            var ring = await page.EvaluateAsync<string?>(FocusRingScript);
            Assert.True(ring is null, ring);
        }
        Assert.Fail($"{maxPresses} presses of {(backwards ? "Shift+Tab" : "Tab")} did not reach {target}");
    }

    private static Task<bool> IsFocusedAsync(ILocator target) => target.EvaluateAsync<bool>("e => e === document.activeElement");

    /// <summary>
    /// Null when the focused element shows a ring of 2 px or more (on itself, or on the visible control of a hidden
    /// checkbox, radio or switch input; a text field shows its 2-px focused border); else a description of it.
    /// </summary>
    private const string FocusRingScript = """
        () => {
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          const px = (v) => parseFloat(v) || 0;
          const ringOf = (node) => { const s = getComputedStyle(node); return s.outlineStyle !== 'none' ? px(s.outlineWidth) : 0; };
          const control = el.closest('.mud-checkbox, .mud-radio, .mud-switch');
          const shown = control ? control.querySelector('.mud-button-root, .mud-switch-span') : el;
          if (ringOf(shown) >= 2) return null;
          const field = el.closest('.mud-input-control');
          if (field) {
            const border = field.querySelector('.mud-input-outlined-border');
            if (border && px(getComputedStyle(border).borderTopWidth) >= 2) return null;
          }
          return `no visible focus ring on ${el.outerHTML.slice(0, 120)}`;
        }
        """;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
