using Bunit;
using FieldCamp.Web.Components.Pages.Webhooks;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>The Webhooks pages over the real app's services, as an admin and as a member see them.</summary>
public sealed class WebhookPagesTests : MudTestContext, IDisposable
{
    private readonly DashboardApp _app = new();

    // Runs after the bUnit context's async disposal, so the page is gone before the app it reads from.
    public void Dispose() => _app.Dispose();

    private async Task<DashboardWebhooks> UseAsync(string email)
    {
        var (workspace, _) = await _app.AddDashboardServicesAsync(Context, email);
        var webhooks = new DashboardWebhooks(_app.Service<WebhookManager>(), workspace, _app.Service<TimeProvider>());
        Context.Services.AddSingleton(webhooks);
        Context.Services.AddSingleton(_app.Service<IOptionsMonitor<WebhookOptions>>());
        RenderDialogProvider();
        Context.Render<MudSnackbarProvider>();
        return webhooks;
    }

    private async Task<string> AddEndpointAsync()
    {
        var workspace = await _app.WorkspaceForAsync("admin@acme.test");
        var admin = new DashboardWebhooks(_app.Service<WebhookManager>(), workspace, _app.Service<TimeProvider>());
        var (endpoint, _) = await admin.CreateAsync(new NewWebhook("https://hooks.example.com/board", ["job.created", "job.updated"], "Dispatch board"));
        return endpoint.Id;
    }

    [Fact]
    public async Task List_Member_ShowsEndpointsButNoAddButton()
    {
        await AddEndpointAsync();
        await UseAsync("member@acme.test");

        var page = Context.Render<WebhookList>();

        page.WaitForAssertion(() => Assert.Contains("https://hooks.example.com/board", page.Text()), TimeSpan.FromSeconds(10));
        Assert.Contains("Read-only: owners and admins manage webhooks", page.Text());
        Assert.False(page.HasButton("Add endpoint"));
        Assert.Contains("job.created", page.Text());
        Assert.Contains("None yet", page.Text());
    }

    [Fact]
    public async Task Detail_Member_HasNoActions()
    {
        var id = await AddEndpointAsync();
        await UseAsync("member@acme.test");

        var page = Context.Render<WebhookDetail>(p => p.Add(d => d.Id, id));

        page.WaitForAssertion(() => Assert.Contains("Dispatch board", page.Text()), TimeSpan.FromSeconds(10));
        foreach (var action in new[] { "Send test", "Edit", "Disable", "Rotate secret", "Delete" })
            Assert.False(page.HasButton(action), action);
    }

    [Fact]
    public async Task Detail_AdminSendsTest_PendingDeliveryInTheLog()
    {
        var id = await AddEndpointAsync();
        await UseAsync("admin@acme.test");
        var page = Context.Render<WebhookDetail>(p => p.Add(d => d.Id, id));
        page.WaitForAssertion(() => Assert.True(page.HasButton("Send test")), TimeSpan.FromSeconds(10));

        await page.ClickAsync("Send test");

        page.WaitForAssertion(() => Assert.Contains("webhook.test", page.ByTestId("delivery-log").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("Pending", page.ByTestId("delivery-log").TextContent);
        await using var db = await _app.CreateDbContextAsync();
        Assert.Equal("pending", (await db.WebhookDeliveries.SingleAsync(d => d.EndpointId == id)).Status);
    }

    [Fact]
    public async Task Detail_OtherBranchesEndpoint_NotFound()
    {
        var id = await AddEndpointAsync();
        await using (var db = await _app.CreateDbContextAsync())
        {
            var endpoint = await db.WebhookEndpoints.SingleAsync(e => e.Id == id);
            endpoint.BranchId = "br_elsewhere";
            await db.SaveChangesAsync();
        }
        await UseAsync("admin@acme.test");

        var page = Context.Render<WebhookDetail>(p => p.Add(d => d.Id, id));

        page.WaitForAssertion(() => Assert.Contains("Webhook endpoint not found", page.Text()), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("hooks.example.com", page.Text());
    }
}
