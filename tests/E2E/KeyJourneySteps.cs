using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>Steps the journeys share: creating a key through the dashboard, and calling the API with it as an integration would.</summary>
internal static class KeyJourneySteps
{
    /// <summary>Milliseconds to allow for an update the server pushes to the page (the list refreshes every 5 s).</summary>
    public const float ServerPushTimeout = 15_000;

    /// <summary>A key name no other test uses, so assertions never match another test's key.</summary>
    public static string UniqueKeyName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// Creates a key from the list page with a preset and reads the secret from the reveal dialog, which stays open:
    /// the secret is shown only there, so a caller that needs it must use it before dismissing.
    /// </summary>
    public static async Task<string> CreateKeyAsync(this IPage page, string name, string preset = "Read-only analytics")
    {
        // The page header's button; an empty branch repeats it in its explanation.
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).First.ClickAsync();
        var form = page.GetByRole(AriaRole.Dialog, new() { Name = "Create API key" });
        await form.GetByLabel("Name").FillAsync(name);
        await form.GetByRole(AriaRole.Button, new() { Name = preset, Exact = true }).ClickAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();

        var secret = page.GetByTestId("revealed-secret");
        await Expect(secret).ToHaveTextAsync(new Regex(@"^\s*fc_live_\S+\s*$"));
        return (await secret.TextContentAsync())!.Trim();
    }

    /// <summary>Confirms the key is stored and closes the reveal dialog; the secret leaves the page with it.</summary>
    public static async Task DismissRevealAsync(this IPage page)
    {
        await page.GetByLabel("I have stored this key in a safe place").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Done", Exact = true }).ClickAsync();
        await page.GetByTestId("revealed-secret").WaitForAsync(new() { State = WaitForSelectorState.Detached });
    }

    /// <summary>The list row of one key, found by its name link.</summary>
    public static ILocator KeyRow(this IPage page, string name) =>
        page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }) });

    /// <summary>GET /api/v1/company-info with the key as a bearer token, from outside the browser.</summary>
    public static async Task<(int Status, JsonElement Body)> GetCompanyInfoAsync(AppServer app, string secret)
    {
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/company-info");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(string.IsNullOrEmpty(text) ? "{}" : text);
        return ((int)response.StatusCode, json.RootElement.Clone());
    }

    /// <summary>
    /// Runs an action that makes the browser load the page afresh (a forced navigation, possibly to the same URL)
    /// and waits for the new document to be interactive. The flag set on the old document tells the two apart.
    /// </summary>
    public static async Task ReloadedByAsync(this IPage page, Func<Task> action)
    {
        await page.EvaluateAsync("() => { window.__fieldcampBeforeReload = true; }");
        await action();
        await page.WaitForFunctionAsync("() => window.__fieldcampBeforeReload !== true");
        await page.WaitForInteractiveAsync();
    }
}
