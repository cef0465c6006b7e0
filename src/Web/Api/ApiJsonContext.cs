using System.Text.Json;
using System.Text.Json.Serialization;

namespace FieldCamp.Web.Api;

/// <summary>
/// Serialization code generated at build time for the API's responses, so writing them needs no reflection. Types
/// not listed here (request bodies, problem details) still go through the framework's default resolver.
/// </summary>
// Numbers are strict here as in the API's options (Program.cs): the two must match for the generated code to be used.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(CompanyInfoResponse))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(Page<ApiKeyResponse>))]
[JsonSerializable(typeof(KeyRotationResponse))]
[JsonSerializable(typeof(Page<ApiKeyRequestDto>))]
[JsonSerializable(typeof(ClientDto))]
[JsonSerializable(typeof(Page<ClientDto>))]
[JsonSerializable(typeof(JobDto))]
[JsonSerializable(typeof(Page<JobDto>))]
[JsonSerializable(typeof(VisitDto))]
[JsonSerializable(typeof(Page<VisitDto>))]
[JsonSerializable(typeof(InvoiceDto))]
[JsonSerializable(typeof(Page<InvoiceDto>))]
[JsonSerializable(typeof(ItemDto))]
[JsonSerializable(typeof(Page<ItemDto>))]
[JsonSerializable(typeof(InvoiceLineDto))]
[JsonSerializable(typeof(List<SecretScanningLabel>))]
[JsonSerializable(typeof(IncidentResponse))]
[JsonSerializable(typeof(Page<IncidentResponse>))]
[JsonSerializable(typeof(Page<FieldCamp.Web.Audit.AuditEventResponse>))]
[JsonSerializable(typeof(WebhookResponse))]
[JsonSerializable(typeof(Page<WebhookResponse>))]
[JsonSerializable(typeof(WebhookDeliveryResponse))]
[JsonSerializable(typeof(Page<WebhookDeliveryResponse>))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
