using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// A key rotated through the wizard in a real browser, while an integration (the test) calls the API: the replacement
/// is minted and shown once, its first use appears on the open page, the old key is revoked behind its typed name,
/// and leaving the page mid-way comes back to the same step. axe-core checks every step; each is saved as a
/// screenshot (rotation-1-mint.png … rotation-4-revoke.png).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class RotationWizardTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    [Fact]
    public async Task FullRotation_MintDeployWatchRevoke_OldKeyRefusedNewKeyWorks()
    {
        var name = KeyJourneySteps.UniqueKeyName("rotation");
        var page = _page = await browser.Browser.SignInAsync(_app, "admin@acme.test");
        var audit = new AccessibilityAudit(Screen.Desktop);
        var oldSecret = await page.CreateKeyAsync(name, preset: "Accounting sync");
        await page.DismissRevealAsync();
        var (oldStatus, _) = await CallAsync(oldSecret);
        Assert.Equal(200, oldStatus);

        // The key's page → Rotate.
        await page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/api-keys/key_*");
        var keyUrl = page.Url;
        await page.GetByRole(AriaRole.Link, new() { Name = "Rotate", Exact = true }).ClickAsync();
        await page.WaitForPathAsync("**/rotate");
        var rotateUrl = page.Url;

        // 1. Mint: prefilled from the old key.
        await Expect(page.GetByTestId("step-mint")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(name);
        await Expect(page.GetByLabel("invoices:read")).ToBeCheckedAsync();
        await audit.CheckAsync(page, "rotation: mint", "rotation-1-mint");
        await page.GetByRole(AriaRole.Button, new() { Name = "Mint replacement" }).ClickAsync();
        var secretBox = page.GetByTestId("revealed-secret");
        await Expect(secretBox).ToHaveTextAsync(new Regex(@"^\s*fc_live_\S+\s*$"));
        var newSecret = (await secretBox.TextContentAsync())!.Trim();
        Assert.NotEqual(oldSecret, newSecret);
        await audit.CheckAsync(page, "rotation: reveal");
        await page.DismissRevealAsync();

        // 2. Deploy: the integration switches; the page notices without a reload.
        await Expect(page.GetByTestId("step-deploy")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("rotating-badge")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("seen-in-use")).ToContainTextAsync("Waiting for the new key's first request");
        await page.GetByLabel("Put the new key in the integration's environment or secrets manager").CheckAsync();
        await Expect(page.GetByTestId("step-deploy")).ToContainTextAsync("admin@acme.test");
        await page.EvaluateAsync("() => { window.__fieldcampSameDocument = true; }");

        var (newStatus, info) = await CallAsync(newSecret);
        Assert.Equal(200, newStatus);
        Assert.Equal(name, info.GetProperty("credential").GetProperty("name").GetString());
        var (midStatus, _) = await CallAsync(oldSecret);
        Assert.Equal(200, midStatus); // both keys work mid-way

        await Expect(page.GetByTestId("seen-in-use")).ToContainTextAsync("Seen in use", new() { Timeout = KeyJourneySteps.ServerPushTimeout });
        await Expect(page.GetByTestId("seen-in-use")).ToContainTextAsync("127.0.0.1");
        await Expect(page.GetByTestId("seen-in-use")).ToContainTextAsync("billing-sync/2.4");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__fieldcampSameDocument === true"), "The page was reloaded.");
        await audit.CheckAsync(page, "rotation: deploy, seen in use", "rotation-2-deploy");

        // Leaving mid-rotation and coming back resumes the stored step, with its ticks.
        await page.GotoAsync(keyUrl);
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByTestId("rotating-badge")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Continue rotation" }).ClickAsync();
        await page.WaitForPathAsync(rotateUrl);
        await Expect(page.GetByTestId("step-deploy")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Put the new key in the integration's environment or secrets manager")).ToBeCheckedAsync();

        // 3. Watch: old and new side by side.
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue to watch the old key" }).ClickAsync();
        await Expect(page.GetByTestId("step-watch")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("new-key-use")).ToContainTextAsync("127.0.0.1");
        await Expect(page.GetByTestId("idle-progress")).ToContainTextAsync(new Regex(@"idle for \d+ min of 24 h"));
        await audit.CheckAsync(page, "rotation: watch", "rotation-3-watch");

        // 4. Revoke: gated until the old key has been idle a day, or its name is typed.
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue to revoke" }).ClickAsync();
        await Expect(page.GetByTestId("step-revoke")).ToBeVisibleAsync();
        var revoke = page.GetByRole(AriaRole.Button, new() { Name = "Revoke old key" });
        await Expect(revoke).ToBeDisabledAsync();
        await Expect(page.GetByTestId("revoke-gate")).ToContainTextAsync(new Regex(@"Last used: (just now|\d+ minutes? ago)"));
        var confirm = page.GetByLabel("Type the key's name");
        await confirm.FillAsync(name[..^1]);
        await Expect(revoke).ToBeDisabledAsync();
        await confirm.FillAsync(name);
        await Expect(revoke).ToBeEnabledAsync();
        await audit.CheckAsync(page, "rotation: revoke, name typed", "rotation-4-revoke");
        await revoke.ClickAsync();

        await Expect(page.GetByTestId("rotation-done")).ToBeVisibleAsync();
        await audit.CheckAsync(page, "rotation: done");
        var (oldAfter, problem) = await CallAsync(oldSecret);
        Assert.Equal(401, oldAfter);
        Assert.Equal("key_revoked", problem.GetProperty("code").GetString());
        var (newAfter, _) = await CallAsync(newSecret);
        Assert.Equal(200, newAfter);
        audit.AssertClean();
    }

    [Theory]
    [InlineData("390 dark")]
    [InlineData("1280 dark")]
    public async Task WizardSteps_PhoneAndDark_PassAxeAndFitTheScreen(string screenName)
    {
        var screen = Screen.Named(screenName);
        var name = KeyJourneySteps.UniqueKeyName("rotation-view");
        var page = _page = await browser.Browser.SignInAsync(_app, "admin@acme.test", screen);
        var audit = new AccessibilityAudit(screen);
        var oldSecret = await page.CreateKeyAsync(name, preset: "Read-only analytics");
        await page.DismissRevealAsync();
        await CallAsync(oldSecret);
        await page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/api-keys/key_*");
        await page.GetByRole(AriaRole.Link, new() { Name = "Rotate", Exact = true }).ClickAsync();
        await page.WaitForPathAsync("**/rotate");

        await Expect(page.GetByTestId("step-mint")).ToBeVisibleAsync();
        await audit.CheckAsync(page, "rotation: mint", "rotation-1-mint");
        await page.GetByRole(AriaRole.Button, new() { Name = "Mint replacement" }).ClickAsync();
        await Expect(page.GetByTestId("revealed-secret")).ToBeVisibleAsync();
        await page.DismissRevealAsync();
        await Expect(page.GetByTestId("step-deploy")).ToBeVisibleAsync();
        await audit.CheckAsync(page, "rotation: deploy", "rotation-2-deploy");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue to watch the old key" }).ClickAsync();
        await Expect(page.GetByTestId("step-watch")).ToBeVisibleAsync();
        await audit.CheckAsync(page, "rotation: watch", "rotation-3-watch");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue to revoke" }).ClickAsync();
        await Expect(page.GetByTestId("step-revoke")).ToBeVisibleAsync();
        await audit.CheckAsync(page, "rotation: revoke", "rotation-4-revoke");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel rotation" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "Cancel this rotation?" })).ToBeVisibleAsync();
        await audit.CheckAsync(page, "rotation: cancel dialog");
        audit.AssertClean();
    }

    /// <summary>GET company-info with the key, as the integration's own client (it names itself, as real clients do).</summary>
    private async Task<(int Status, System.Text.Json.JsonElement Body)> CallAsync(string secret)
    {
        using var http = new HttpClient { BaseAddress = _app.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        http.DefaultRequestHeaders.UserAgent.ParseAdd("billing-sync/2.4");
        using var response = await http.GetAsync("api/v1/company-info");
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync() is { Length: > 0 } text ? text : "{}");
        return ((int)response.StatusCode, json.RootElement.Clone());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
