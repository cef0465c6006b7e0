using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections.Features;

namespace FieldCamp.Web.Auth;

/// <summary>
/// The digest of the last existing key an HTTP/1.x keep-alive connection sent in its Authorization header. Kestrel
/// gives each request on a connection the very same string for a known header whose bytes did not change, so a key
/// sent again is recognised by reference (no content is compared) and its checksum and SHA-256 are not recomputed:
/// they are most of what authenticating a cached key costs. The digest is still looked up, and revocation and expiry
/// checked, on every request.
/// </summary>
internal static class ConnectionKeyDigest
{
    private static readonly object ItemKey = new();

    // A class, not a record: a record's ToString would print the header, and with it the key.
    private sealed class Remembered(string header, byte[] digest)
    {
        public string Header { get; } = header;
        public byte[] Digest { get; } = digest;
    }

    public static bool TryGet(HttpContext context, string header, [NotNullWhen(true)] out byte[]? digest)
    {
        digest = Items(context)?.TryGetValue(ItemKey, out var item) == true && item is Remembered last
            && ReferenceEquals(last.Header, header) ? last.Digest : null;
        return digest is not null;
    }

    public static void Remember(HttpContext context, string header, byte[] digest)
    {
        if (Items(context) is { } items) items[ItemKey] = new Remembered(header, digest);
    }

    // HTTP/2 and HTTP/3 run a connection's requests side by side; only HTTP/1.x keeps them one after another.
    private static IDictionary<object, object?>? Items(HttpContext context) =>
        HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol)
            ? context.Features.Get<IConnectionItemsFeature>()?.Items
            : null;
}
