using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.FieldWork;
using FieldCamp.Web.Webhooks;

namespace FieldCamp.Web.Api;

/// <summary>
/// The values a string field (or each string of a list) can take, named by a static list in the code that checks them,
/// so the OpenAPI document's <c>enum</c> (ApiSchemaTransformer) and the API never disagree.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OneOfAttribute(string list) : Attribute
{
    public IReadOnlyList<string> Values { get; } = ApiValues.Lists[list];
}

/// <summary>The lists <see cref="OneOfAttribute"/> names, each from its single source.</summary>
public static class ApiValues
{
    public const string JobStatuses = nameof(JobStatuses);
    public const string VisitStatuses = nameof(VisitStatuses);
    public const string InvoiceStatuses = nameof(InvoiceStatuses);
    public const string Scopes = nameof(Scopes);
    public const string WebhookEvents = nameof(WebhookEvents);
    public const string DeliveryTypes = nameof(DeliveryTypes);

    internal static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Lists = new Dictionary<string, IReadOnlyList<string>>
    {
        [JobStatuses] = JobStatus.All,
        [VisitStatuses] = VisitStatus.All,
        [InvoiceStatuses] = InvoiceStatus.All,
        [Scopes] = [FieldCamp.Domain.ApiKeys.Scopes.All, .. FieldCamp.Domain.ApiKeys.Scopes.Catalogue],
        [WebhookEvents] = WebhookEventTypes.All,
        // A delivery is of a subscribed event, or the ping "send test" queues.
        [DeliveryTypes] = [.. WebhookEventTypes.All, WebhookManager.TestEventType],
    };
}

/// <summary>
/// A PATCH field that always has a value: <c>null</c> is refused (leave the field out to keep it). The endpoint checks
/// it; ApiSchemaTransformer takes null out of the field's type in the OpenAPI document.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotClearableAttribute : Attribute;
