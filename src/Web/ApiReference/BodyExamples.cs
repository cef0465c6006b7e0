using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace FieldCamp.Web.ApiReference;

/// <summary>
/// An example for every JSON request and success body that has none, made from its schema and its property names
/// (an <c>email</c> gets an address, a <c>…At</c> an instant, a <c>clientId</c> a client's id), so a new endpoint shows
/// plausible bodies in the reference without anyone writing them. Problem bodies have real examples of their own.
/// </summary>
internal static class BodyExamples
{
    private const int MaxDepth = 6;

    public static void AddMissing(OpenApiDocument document)
    {
        foreach (var (_, item) in document.Paths ?? [])
        {
            foreach (var (_, operation) in item.Operations ?? [])
            {
                if (operation.RequestBody?.Content is { } request)
                {
                    foreach (var (type, media) in request) Fill(type, media);
                }
                foreach (var (status, response) in operation.Responses ?? [])
                {
                    if (!status.StartsWith('2') || response.Content is null) continue;
                    foreach (var (type, media) in response.Content) Fill(type, media);
                }
            }
        }
    }

    private static void Fill(string contentType, OpenApiMediaType media)
    {
        if (media.Example is not null || media.Examples is { Count: > 0 } || media.Schema is null) return;
        if (!contentType.Contains("json", StringComparison.OrdinalIgnoreCase)) return;
        media.Example = For(media.Schema, name: null, owner: "", depth: 0);
    }

    public static JsonNode? For(IOpenApiSchema schema, string? name, string owner, int depth)
    {
        // A named schema (JobDto, CreateClientRequest) says whose id an "id" is.
        if (schema is OpenApiSchemaReference { Reference.Id: { } schemaId }) owner = Owner(schemaId);
        if (schema.Examples is { Count: > 0 } given && given[0] is { } first) return first.DeepClone();
        if (schema.Enum is { Count: > 0 } values) return values.First(v => v is not null)?.DeepClone();
        if (schema.AllOf is { Count: > 0 } all)
        {
            var merged = new JsonObject();
            foreach (var part in all)
            {
                if (For(part, name, owner, depth) is JsonObject piece)
                    foreach (var (key, value) in piece) merged[key] = value?.DeepClone();
            }
            return merged;
        }
        if (schema.OneOf is { Count: > 0 } one) return For(one.First(s => !IsNull(s)), name, owner, depth);
        if (schema.AnyOf is { Count: > 0 } any) return For(any.FirstOrDefault(s => !IsNull(s)) ?? any[0], name, owner, depth);

        var type = schema.Type ?? 0;
        if (type.HasFlag(JsonSchemaType.Object) || schema.Properties is { Count: > 0 })
        {
            var body = new JsonObject();
            if (depth >= MaxDepth) return body;
            foreach (var (property, propertySchema) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
                body[property] = For(propertySchema, property, owner, depth + 1);
            return body;
        }
        if (type.HasFlag(JsonSchemaType.Array))
        {
            var list = new JsonArray();
            if (schema.Items is { } items && depth < MaxDepth) list.Add(For(items, Singular(name), owner, depth + 1));
            return list;
        }
        // Numbers first: the web defaults read numbers from strings too, so their schemas say ["integer", "string"].
        if (type.HasFlag(JsonSchemaType.Integer)) return JsonValue.Create(Whole(name ?? ""));
        if (type.HasFlag(JsonSchemaType.Number)) return JsonValue.Create(Money(name ?? ""));
        if (type.HasFlag(JsonSchemaType.String)) return JsonValue.Create(Text(name ?? "", owner, schema.Format));
        if (type.HasFlag(JsonSchemaType.Boolean)) return JsonValue.Create(false);
        return null;
    }

    private static bool IsNull(IOpenApiSchema schema) => schema.Type == JsonSchemaType.Null;

    private static string? Singular(string? name) => name is { Length: > 1 } && name.EndsWith('s') ? name[..^1] : name;

    // A month ahead: an example expiry or appointment must still be in the future when someone sends it.
    private static DateTime ExampleDay => DateTime.UtcNow.Date.AddDays(30);

    /// <summary>A status the owner's resource really takes, so an example body sent as it is gets a 2xx.</summary>
    private static string StatusFor(string owner) => owner.ToLowerInvariant() switch
    {
        var o when o.Contains("invoice", StringComparison.Ordinal) => "draft",
        var o when o.Contains("visit", StringComparison.Ordinal) || o.Contains("job", StringComparison.Ordinal) => "scheduled",
        var o when o.Contains("delivery", StringComparison.Ordinal) || o.Contains("attempt", StringComparison.Ordinal) => "succeeded",
        _ => "active",
    };

    private static string Text(string name, string owner, string? format)
    {
        var lower = name.ToLowerInvariant();
        if (format is "date-time" || lower.EndsWith("at", StringComparison.Ordinal) && name.Length > 2 && char.IsUpper(name[^2])
            || lower is "since" or "until" or "scheduledfor" or "startsat" or "timestamp")
            return ExampleDay.ToString("yyyy-MM-dd'T'09:30:00'Z'", System.Globalization.CultureInfo.InvariantCulture);
        if (format is "date") return ExampleDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        if (format is "uri" || lower.EndsWith("url", StringComparison.Ordinal)) return "https://example.com/fieldcamp/webhook";
        if (lower.Contains("email", StringComparison.Ordinal)) return "ada@example.com";
        if (lower.Contains("phone", StringComparison.Ordinal)) return "+44 20 7946 0958";
        if (lower.EndsWith("keyid", StringComparison.Ordinal)) return "key_01JDZ8M4N5P6Q7R8S9T0V1W2X3";
        if (lower == "id") return IdFor(owner);
        if (lower.EndsWith("id", StringComparison.Ordinal)) return IdFor(lower[..^2]);
        return lower switch
        {
            "name" => "Harbour Plumbing Ltd",
            "title" => "Replace boiler",
            "description" => "Labour, per hour",
            "notes" => "Gate code 4321",
            "address" => "1 Quay Street, Bristol BS1 4DJ",
            "number" => "INV-0042",
            "status" => StatusFor(owner),
            "scope" or "scopes" => "clients:read",
            "event" or "events" => "client.created",
            "slug" => "acme",
            "hint" => "fc_live_a1b2…c5d6",
            "nextcursor" or "cursor" => "cli_01JDZ8M4N5P6Q7R8S9T0V1W2X3",
            "secret" => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "key" => "fc_live_a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
            _ => "string",
        };
    }

    /// <summary>The record a schema describes, from its name: JobDto, CreateJobRequest, PageOfJobDto → "job".</summary>
    private static string Owner(string schemaId)
    {
        var name = schemaId;
        foreach (var prefix in new[] { "PageOf", "Create", "Update" })
            if (name.StartsWith(prefix, StringComparison.Ordinal)) name = name[prefix.Length..];
        foreach (var suffix in new[] { "Dto", "Response", "Request" })
            if (name.EndsWith(suffix, StringComparison.Ordinal)) name = name[..^suffix.Length];
        return name.ToLowerInvariant();
    }

    private static string IdFor(string owner) => owner switch
    {
        "" => "cli_01JDZ8M4N5P6Q7R8S9T0V1W2X3",
        "client" => "cli_01JDZ8M4N5P6Q7R8S9T0V1W2X3",
        "job" => "job_01JDZ8P2Q3R4S5T6V7W8X9Y0Z1",
        "visit" => "vis_01JDZ8Q3R4S5T6V7W8X9Y0Z1A2",
        "invoice" => "inv_01JDZ8R4S5T6V7W8X9Y0Z1A2B3",
        "item" => "itm_01JDZ8S5T6V7W8X9Y0Z1A2B3C4",
        "apikey" or "key" => "key_01JDZ8M4N5P6Q7R8S9T0V1W2X3",
        _ => owner + "_01JDZ8T6V7W8X9Y0Z1A2B3C4D5",
    };

    private static long Whole(string name) => name.ToLowerInvariant() switch
    {
        "quantity" => 2,
        var n when n.Contains("minute", StringComparison.Ordinal) => 120,
        var n when n.Contains("hour", StringComparison.Ordinal) => 24,
        var n when n.Contains("status", StringComparison.Ordinal) => 200,
        _ => 1,
    };

    private static decimal Money(string name) => name.ToLowerInvariant() switch
    {
        "quantity" => 2m,
        "total" => 171.00m,
        _ => 85.50m,
    };
}
