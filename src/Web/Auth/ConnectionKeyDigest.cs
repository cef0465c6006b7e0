using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections.Features;

namespace FieldCamp.Web.Auth;

/// <summary>
/// The digest of the last existing key an HTTP/1.x keep-alive connection sent, with the header value that carried it.
/// A key sent again is recognised without its checksum and SHA-256, which are most of what authenticating a cached key
/// costs: by reference for <c>Authorization</c> (Kestrel gives each request on a connection the very same string for a
/// known header whose bytes did not change), else by comparing the text in fixed time (<c>X-Api-Key</c> is not a header
/// Kestrel knows, so each request brings a new string; and a proxy may carry several clients on one connection). The
/// digest is still looked up, and revocation and expiry checked, on every request.
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
            && (ReferenceEquals(last.Header, header) || SameText(last.Header, header)) ? last.Digest : null;
        return digest is not null;
    }

    private static bool SameText(string remembered, string header) =>
        remembered.Length == header.Length
        && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(remembered.AsSpan()),
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(header.AsSpan()));

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
