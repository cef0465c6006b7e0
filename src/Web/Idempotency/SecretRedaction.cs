using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Web.Idempotency;

/// <summary>
/// Endpoint metadata: this endpoint's response shows a secret once, in these top-level JSON properties. Kept
/// responses have them set to <c>null</c>, so a replay returns everything but the secret.
/// </summary>
public sealed class RevealsSecretMetadata(IReadOnlyList<string> properties)
{
    public IReadOnlyList<string> Properties { get; } = properties;
}

public static class RevealsSecretExtensions
{
    /// <summary>Marks an endpoint whose response carries a secret (by default in <c>key</c>): it is never kept for replay.</summary>
    public static TBuilder RevealsSecret<TBuilder>(this TBuilder builder, params string[] properties) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RevealsSecretMetadata(properties.Length == 0 ? ["key"] : properties));
}

/// <summary>
/// What makes a response safe to keep: the properties its endpoint marked with <see cref="RevealsSecretMetadata"/>
/// become <c>null</c>, and so does any string anywhere in it that is a well-formed API key, marked or not, so an
/// endpoint that forgets the mark still stores no key. A body that cannot be checked (not JSON) and mentions a key
/// prefix is not kept at all.
/// </summary>
internal static class SecretRedaction
{
    private static readonly byte[] LivePrefix = Encoding.ASCII.GetBytes(ApiKeySecret.LivePrefix);

    /// <summary>The body to keep, or null when it cannot be kept without a secret in it.</summary>
    public static byte[]? Redact(byte[] body, string? contentType, RevealsSecretMetadata? marked)
    {
        if (body.Length == 0) return body;
        if (IsJson(contentType) && TryParse(body) is { } root)
        {
            var changed = false;
            if (marked is not null && root is JsonObject top)
                foreach (var property in marked.Properties)
                    if (top.ContainsKey(property) && top[property] is not null)
                    {
                        top[property] = null;
                        changed = true;
                    }
            changed |= NullKeysIn(root);
            return changed ? Encoding.UTF8.GetBytes(root.ToJsonString()) : body;
        }
        return body.AsSpan().IndexOf(LivePrefix) >= 0 ? null : body;
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Split(';')[0].EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static JsonNode? TryParse(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool NullKeysIn(JsonNode node)
    {
        var changed = false;
        if (node is JsonObject obj)
            foreach (var name in obj.Select(p => p.Key).ToList())
            {
                if (obj[name] is not { } child) continue;
                if (IsSecret(child))
                {
                    obj[name] = null;
                    changed = true;
                }
                else changed |= NullKeysIn(child);
            }
        else if (node is JsonArray array)
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is not { } child) continue;
                if (IsSecret(child))
                {
                    array[i] = null;
                    changed = true;
                }
                else changed |= NullKeysIn(child);
            }
        return changed;
    }

    private static bool IsSecret(JsonNode node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && ApiKeySecret.IsWellFormed(text);
}
