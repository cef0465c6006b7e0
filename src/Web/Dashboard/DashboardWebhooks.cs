using FieldCamp.Web.Webhooks;

namespace FieldCamp.Web.Dashboard;

/// <summary>
/// What the Webhooks pages read and do, within the workspace's current branch. Everyone in the company reads; every
/// change re-reads the person's role first (owners and admins only), whatever the page shows, and then goes through
/// <see cref="WebhookManager"/> exactly like the API.
/// </summary>
internal sealed class DashboardWebhooks(WebhookManager manager, Workspace workspace, TimeProvider time)
{
    private const string Refusal = "Only owners and admins can add, change or delete webhook endpoints.";

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public Task<IReadOnlyList<WebhookSummary>> ListAsync(CancellationToken cancellationToken = default) =>
        manager.ListAsync(workspace.KeyScope, cancellationToken);

    public Task<WebhookSummary?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        manager.GetAsync(workspace.KeyScope, id, cancellationToken);

    public Task<(IReadOnlyList<WebhookDeliveryRow> Rows, int Total)?> DeliveriesAsync(string id, int page, int pageSize,
        CancellationToken cancellationToken = default) =>
        manager.DeliveriesAsync(workspace.KeyScope, id, page * pageSize, pageSize, cancellationToken);

    public async Task<(WebhookEndpoint Endpoint, string Secret)> CreateAsync(NewWebhook spec)
    {
        await RequireManagerAsync();
        return await manager.CreateAsync(workspace.KeyScope, spec, workspace.Actor);
    }

    public async Task<WebhookEndpoint?> UpdateAsync(string id, WebhookUpdate update)
    {
        await RequireManagerAsync();
        return await manager.UpdateAsync(workspace.KeyScope, id, update, workspace.Actor);
    }

    public Task<WebhookEndpoint?> SetEnabledAsync(string id, bool enabled) => UpdateAsync(id, new WebhookUpdate(Enabled: enabled));

    public async Task<bool> DeleteAsync(string id)
    {
        await RequireManagerAsync();
        return await manager.DeleteAsync(workspace.KeyScope, id, workspace.Actor);
    }

    public async Task<(WebhookEndpoint Endpoint, string Secret)?> RotateSecretAsync(string id)
    {
        await RequireManagerAsync();
        return await manager.RotateSecretAsync(workspace.KeyScope, id, workspace.Actor);
    }

    public async Task<WebhookDelivery?> SendTestAsync(string id)
    {
        await RequireManagerAsync();
        return await manager.SendTestAsync(workspace.KeyScope, id, workspace.Actor);
    }

    public async Task<WebhookDelivery?> ResendAsync(string id, string deliveryId)
    {
        await RequireManagerAsync();
        return await manager.ResendAsync(workspace.KeyScope, id, deliveryId, workspace.Actor);
    }

    private Task RequireManagerAsync() => workspace.RequireKeyManagerAsync(Refusal);
}
