using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// An admin's key from birth to revocation: created with a preset, shown once, used by an integration, seen as used
/// in the list, and revoked behind the typed-name confirmation a recently used key demands.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminKeyLifecycleTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    [Fact]
    public async Task CreateUseRevoke_ThroughTheDashboard_KeyWorksThenIsRefused()
    {
        var name = KeyJourneySteps.UniqueKeyName("lifecycle");
        var page = _page = await browser.Browser.SignInAsync(_app, "admin@acme.test");

        var secret = await page.CreateKeyAsync(name, preset: "Read-only analytics");

        // The integration's first call, made while the secret is still on screen.
        var (status, info) = await KeyJourneySteps.GetCompanyInfoAsync(_app, secret);
        Assert.Equal(200, status);
        Assert.Equal("Acme Field Services", info.GetProperty("company").GetProperty("name").GetString());
        Assert.Equal("North", info.GetProperty("branch").GetProperty("name").GetString());
        Assert.Equal(name, info.GetProperty("credential").GetProperty("name").GetString());
        Assert.Equal(["clients:read", "jobs:read", "visits:read"],
            info.GetProperty("credential").GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).Order());

        // Done stays unavailable until the person says the key is stored.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Done", Exact = true })).ToBeDisabledAsync();
        await page.DismissRevealAsync();
        Assert.DoesNotContain(secret, await page.ContentAsync());

        // Usage is flushed within a second and the list refreshes itself every 5 s: no reload.
        var lastUsed = page.KeyRow(name).GetByTestId("last-used");
        await Expect(lastUsed).Not.ToHaveTextAsync("never", new() { Timeout = KeyJourneySteps.ServerPushTimeout });
        await Expect(lastUsed).ToHaveTextAsync(new Regex(@"just now|\d+ minutes? ago"));

        await page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/api-keys/key_*");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Level = 1 })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();

        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = $"Revoke {name}?" });
        await Expect(dialog.GetByTestId("revoke-recent-use")).ToContainTextAsync(new Regex(@"used (just now|\d+ minutes? ago)"));
        var revoke = dialog.GetByRole(AriaRole.Button, new() { Name = "Revoke key" });
        await Expect(revoke).ToBeDisabledAsync();
        var confirm = dialog.GetByLabel($"Type {name} to confirm");
        await confirm.FillAsync(name[..^1]);
        await Expect(revoke).ToBeDisabledAsync();
        await confirm.FillAsync(name);
        await Expect(revoke).ToBeEnabledAsync();
        await revoke.ClickAsync();

        // The snackbar comes after the revoke is committed and the key is evicted from the credential cache.
        await Expect(page.GetByText($"Revoked {name}. Requests with it now fail.")).ToBeVisibleAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true })).ToHaveCountAsync(0);
        // The focus does not fall back to the page's start: it lands on the key's heading, where reading goes on.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Level = 1 })).ToBeFocusedAsync();

        var (revokedStatus, problem) = await KeyJourneySteps.GetCompanyInfoAsync(_app, secret);
        Assert.Equal(401, revokedStatus);
        Assert.Equal("key_revoked", problem.GetProperty("code").GetString());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
