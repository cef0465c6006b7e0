using System.Net;
using System.Net.Sockets;

namespace FieldCamp.Web.Webhooks;

/// <summary>
/// The quick check of a webhook address when it is registered: its shape, and (unless insecure targets are allowed)
/// https and no host that plainly names this machine or a private network. A name can still resolve to such an address
/// later; the sender checks the resolved address on every connection, so this only refuses what is wrong on its face.
/// </summary>
public static class WebhookTargets
{
    public const int MaxUrlLength = 2048;

    /// <summary>Null when <paramref name="url"/> may be registered; otherwise why not, in a sentence for the caller.</summary>
    public static string? Problem(string? url, bool allowInsecure)
    {
        if (string.IsNullOrWhiteSpace(url)) return "Give the https:// address that should receive the events.";
        if (url.Length > MaxUrlLength) return $"The address can be at most {MaxUrlLength} characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
            return "Give an absolute address such as https://example.com/webhooks/fieldcamp.";
        if (uri.UserInfo.Length > 0) return "Leave the user name and password out of the address; sign-ins do not belong in a URL.";
        if (uri.Fragment.Length > 0) return "Leave the #fragment out of the address; it is never sent to the server.";
        if (allowInsecure) return null;
        if (uri.Scheme != "https") return "Use an https:// address: events carry your records and must be encrypted on the way.";
        if (IsInternalHost(uri)) return "This address points at this server or a private network, which webhooks may not call.";
        return null;
    }

    /// <summary>localhost, metadata names and IP literals in loopback, private, link-local, shared or unspecified ranges.</summary>
    private static bool IsInternalHost(Uri uri)
    {
        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (host is "localhost" or "metadata.google.internal" || host.EndsWith(".localhost", StringComparison.Ordinal)) return true;
        return uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
            && IPAddress.TryParse(host.Trim('[', ']'), out var address) && IsInternal(address);
    }

    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
        var b = address.GetAddressBytes();
        return b[0] is 0 or 10 or 127
            || (b[0] == 169 && b[1] == 254)               // link-local, cloud metadata (169.254.169.254)
            || (b[0] == 172 && b[1] is >= 16 and <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 100 && b[1] is >= 64 and <= 127)  // shared address space (carrier-grade NAT)
            || b[0] >= 224;                               // multicast and reserved
    }
}
