using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// An admin registers a webhook endpoint in the dashboard, pointing at a receiver this test runs on a loopback port
/// (the app runs with insecure targets allowed, as for local development), keeps the one-time secret, sends a test
/// delivery, and sees it in the endpoint's delivery log: first as pending, then answered 200 once the sender has
/// delivered it to the receiver. The pages are audited with axe on a light desktop and a dark phone on the way.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WebhookTests(BrowserFixture browser) : IAsyncLifetime
{
    /// <summary>Milliseconds to allow for the background sender to deliver and the page to show it (it refreshes every 3 s).</summary>
    private const float DeliveryTimeout = 30_000;

    private readonly AppServer _app = new(settings: new Dictionary<string, string?> { ["Webhooks:AllowInsecureTargets"] = "true" });
    private readonly ConcurrentQueue<(IHeaderDictionary Headers, string Body)> _received = new();
    private WebApplication? _receiver;
    private readonly List<IBrowserContext> _contexts = [];

    [Fact]
    public async Task RegisterAndSendTest_ThroughTheDashboard_ReceiverGetsThePingAndTheLogShowsIt()
    {
        var receiverUrl = await StartReceiverAsync();
        var audit = new AccessibilityAudit(Screen.Desktop);
        var page = await SignInAsync(Screen.Desktop);

        await page.GetByRole(AriaRole.Link, new() { Name = "Webhooks", Exact = true }).ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/webhooks");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Webhooks", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("webhooks-empty")).ToBeVisibleAsync();
        await audit.CheckAsync(page, "webhooks, none yet", shot: "08-webhooks-empty");

        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint", Exact = true }).First.ClickAsync();
        var form = page.GetByRole(AriaRole.Dialog, new() { Name = "Add webhook endpoint" });
        await Expect(form).ToBeVisibleAsync();
        // Nothing chosen yet: the dialog says what is missing instead of closing.
        await form.GetByRole(AriaRole.Button, new() { Name = "Add endpoint", Exact = true }).ClickAsync();
        await Expect(form.GetByTestId("events-error")).ToBeVisibleAsync();
        await form.GetByLabel("Endpoint URL").FillAsync(receiverUrl);
        await form.GetByRole(AriaRole.Checkbox, new() { Name = "job.created" }).CheckAsync();
        await form.GetByRole(AriaRole.Checkbox, new() { Name = "client.created" }).CheckAsync();
        await form.GetByLabel("Description (optional)").FillAsync("Dispatch board sync");
        await audit.CheckAsync(page, "add endpoint dialog", shot: "08-webhooks-add-dialog");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add endpoint", Exact = true }).ClickAsync();

        var secret = page.GetByTestId("revealed-webhook-secret");
        await Expect(secret).ToHaveTextAsync(new Regex(@"^\s*whsec_\S+\s*$"));
        var secretText = (await secret.TextContentAsync())!.Trim();
        // The copy button starts focused, and its tooltip would cover the text below it in the picture.
        await page.EvaluateAsync("() => document.activeElement?.blur()");
        await audit.CheckAsync(page, "signing secret shown once", shot: "08-webhooks-secret");
        var done = page.GetByRole(AriaRole.Button, new() { Name = "Done", Exact = true });
        await Expect(done).ToBeDisabledAsync();
        await page.GetByLabel("I have stored this secret in a safe place").CheckAsync();
        await done.ClickAsync();

        // Straight on to the new endpoint's page; the secret left with the dialog.
        await page.WaitForPathAsync("**/settings/developer/webhooks/whk_*");
        var endpointPage = new Uri(page.Url).AbsolutePath.TrimStart('/');
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = receiverUrl, Level = 1 })).ToBeVisibleAsync();
        Assert.DoesNotContain(secretText, await page.ContentAsync());
        var log = page.GetByTestId("delivery-log");
        await Expect(log).ToContainTextAsync("Nothing sent yet");

        await page.GetByRole(AriaRole.Button, new() { Name = "Send test", Exact = true }).ClickAsync();
        await Expect(page.GetByText("Test delivery queued.")).ToBeVisibleAsync();
        // The delivery is in the log at once, whether or not the sender has been to it yet.
        var row = log.GetByRole(AriaRole.Row).Filter(new() { HasText = "webhook.test" });
        await Expect(row).ToHaveCountAsync(1);
        await audit.CheckAsync(page, "endpoint with a test delivery", shot: "08-webhooks-detail");

        await page.GetByRole(AriaRole.Link, new() { Name = "Webhooks", Exact = true }).First.ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/webhooks");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = receiverUrl, Exact = true })).ToBeVisibleAsync();
        await audit.CheckAsync(page, "webhooks list", shot: "08-webhooks");

        // The same pages on a phone in dark mode.
        var phoneAudit = new AccessibilityAudit(Screen.PhoneDark);
        var phone = await SignInAsync(Screen.PhoneDark);
        await phone.GotoAsync("settings/developer/webhooks");
        await phone.WaitForInteractiveAsync();
        await Expect(phone.GetByRole(AriaRole.Link, new() { Name = receiverUrl, Exact = true })).ToBeVisibleAsync();
        await phoneAudit.CheckAsync(phone, "webhooks list", shot: "08-webhooks");
        await phone.GetByRole(AriaRole.Link, new() { Name = receiverUrl, Exact = true }).ClickAsync();
        await phone.WaitForPathAsync("**/settings/developer/webhooks/whk_*");
        await Expect(phone.GetByTestId("delivery-log").GetByText("webhook.test")).ToBeVisibleAsync();
        await phoneAudit.CheckAsync(phone, "endpoint with a test delivery", shot: "08-webhooks-detail");
        await phone.GotoAsync("settings/developer/webhooks");
        await phone.WaitForInteractiveAsync();
        await phone.GetByRole(AriaRole.Button, new() { Name = "Add endpoint", Exact = true }).First.ClickAsync();
        await Expect(phone.GetByRole(AriaRole.Dialog, new() { Name = "Add webhook endpoint" })).ToBeVisibleAsync();
        await phoneAudit.CheckAsync(phone, "add endpoint dialog", shot: "08-webhooks-add-dialog");

        audit.AssertClean();
        phoneAudit.AssertClean();

        // The whole journey: the background sender delivers the ping, signed, and the log shows the receiver's 200.
        // (Opened afresh: the links from the list to this page were followed above, on both screens.)
        await page.GotoAsync(endpointPage);
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByTestId("delivery-status").First).ToContainTextAsync("200", new() { Timeout = DeliveryTimeout });
        var (headers, body) = Assert.Single(_received);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("webhook.test", json.RootElement.GetProperty("type").GetString());
        Assert.StartsWith("whk_", json.RootElement.GetProperty("data").GetProperty("endpointId").GetString());
        Assert.StartsWith("msg_", headers["webhook-id"].ToString());
        Assert.StartsWith("v1,", headers["webhook-signature"].ToString());
        await audit.CheckAsync(page, "endpoint with a delivered test", shot: "08-webhooks-delivered");

        // The list once the ping has been answered (no notice left over from the page before): the README's picture.
        await page.GotoAsync("settings/developer/webhooks");
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = receiverUrl })).ToContainTextAsync("Delivered");
        await audit.CheckAsync(page, "webhooks list after a delivery", shot: "08-webhooks");
        audit.AssertClean();
    }

    private async Task<IPage> SignInAsync(Screen screen)
    {
        var page = await browser.Browser.SignInAsync(_app, "admin@acme.test", screen);
        _contexts.Add(page.Context);
        return page;
    }

    /// <summary>A receiver on a loopback port that keeps what it is sent and answers 200, as an integration's would.</summary>
    private async Task<string> StartReceiverAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.MapPost("/hooks/fieldcamp", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            _received.Enqueue((new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => h.Value)), await reader.ReadToEndAsync()));
            return Results.Text("ok");
        });
        await _receiver.StartAsync();
        var address = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return $"{address.TrimEnd('/')}/hooks/fieldcamp";
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        if (_receiver is not null) await _receiver.DisposeAsync();
        _app.Dispose();
    }
}
