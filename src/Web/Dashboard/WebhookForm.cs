using FieldCamp.Web.Webhooks;
using MudBlazor;

namespace FieldCamp.Web.Dashboard;

/// <summary>What the endpoint dialog edits: the address, the chosen events, and a note.</summary>
public sealed class WebhookForm
{
    public string Url { get; set; } = "";
    public HashSet<string> Events { get; set; } = [];
    public string? Description { get; set; }

    public static WebhookForm For(WebhookEndpoint endpoint) => new()
    {
        Url = endpoint.Url, Events = [.. WebhookManager.EventsOf(endpoint)], Description = endpoint.Description,
    };

    public NewWebhook ToNew() => new(Url.Trim(), [.. Events], Description);

    public WebhookUpdate ToUpdate() => new(Url.Trim(), [.. Events], new(Description));
}

/// <summary>How the Webhooks pages name event types and endpoint states.</summary>
public static class WebhookText
{
    /// <summary>The event types by the record they are about, in the catalogue's order.</summary>
    public static IReadOnlyList<(string Group, IReadOnlyList<string> Types)> Groups { get; } =
        [.. WebhookEventTypes.All.GroupBy(t => t[..t.IndexOf('.')]).Select(g => (GroupLabel(g.Key), (IReadOnlyList<string>)[.. g]))];

    private static string GroupLabel(string record) => record switch
    {
        "client" => "Clients",
        "job" => "Jobs",
        "visit" => "Visits",
        "invoice" => "Invoices",
        "api_key" => "API keys",
        _ => record,
    };

    /// <summary>"created" for client.created: the group already says which record.</summary>
    public static string Action(string type) => type[(type.IndexOf('.') + 1)..];

    public static string Label(WebhookStatus status) => status switch
    {
        WebhookStatus.Failing => "Failing",
        WebhookStatus.Disabled => "Disabled",
        _ => "Enabled",
    };

    public static Color Colour(WebhookStatus status) => status switch
    {
        WebhookStatus.Failing => Color.Warning,
        WebhookStatus.Disabled => Color.Default,
        _ => Color.Success,
    };

    public static string DeliveryLabel(string status) => status switch
    {
        "succeeded" => "Delivered",
        "failed" => "Failed",
        _ => "Pending",
    };

    public static Color DeliveryColour(string status) => status switch
    {
        "succeeded" => Color.Success,
        "failed" => Color.Error,
        _ => Color.Info,
    };
}
