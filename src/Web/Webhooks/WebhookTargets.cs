using System.Net;
using System.Net.Sockets;

namespace FieldCamp.Web.Webhooks;

/// <summary>
/// Which addresses a webhook may be sent to. A self-hosted server sits inside someone's network: without this rule, a
/// key holder could register <c>https://10.0.0.5/admin</c> or the cloud metadata address and make the server call it.
/// The check runs on the address the name resolves to, at connect time, and the connection goes to that same checked
/// address, so a name that resolves differently the second time (DNS rebinding) cannot slip past.
/// </summary>
public static class WebhookTargets
{
    public const int MaxUrlLength = 2048;

    /// <summary>
    /// Null when <paramref name="url"/> may be registered; otherwise why not, in a sentence for the caller. On top of
    /// <see cref="CheckUrl"/> (what the sender refuses), names that plainly mean this machine or a metadata service are
    /// refused up front; any other name is checked again on the address it resolves to, at every delivery.
    /// </summary>
    public static string? Problem(string? url, bool allowInsecure)
    {
        if (string.IsNullOrWhiteSpace(url)) return "Give the https:// address that should receive the events.";
        if (url.Length > MaxUrlLength) return $"The address can be at most {MaxUrlLength} characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
            return "Give an absolute address such as https://example.com/webhooks/fieldcamp.";
        if (uri.UserInfo.Length > 0) return "Leave the user name and password out of the address; sign-ins do not belong in a URL.";
        if (uri.Fragment.Length > 0) return "Leave the #fragment out of the address; it is never sent to the server.";
        if (allowInsecure) return null;
        if (uri.Scheme != Uri.UriSchemeHttps) return "Use an https:// address: events carry your records and must be encrypted on the way.";
        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (host is "localhost" or "metadata.google.internal" || host.EndsWith(".localhost", StringComparison.Ordinal))
            return "This address points at this server or a cloud metadata service, which webhooks may not call.";
        return CheckUrl(url, allowInsecure) is { } refusal
            ? $"This address points at this server or a private network, which webhooks may not call ({refusal})."
            : null;
    }

    /// <summary>What a refused address says, in the attempt's snippet and in a registration error.</summary>
    public static string RefusalFor(string host, IPAddress address) =>
        IPAddress.TryParse(host, out _)
            ? $"refused: {host} is {WithArticle(Describe(address))} address, which webhooks may not be sent to"
            : $"refused: {host} resolves to {WithArticle(Describe(address))} address ({address}), which webhooks may not be sent to";

    private static string WithArticle(string words) => ("aeiou".Contains(words[0]) ? "an " : "a ") + words;

    /// <summary>
    /// Why a URL can never be a webhook target, or null if it may be one (its name still has to resolve to an allowed
    /// address when a delivery connects). With <paramref name="allowInsecure"/> (local development, tests) only the
    /// form is checked.
    /// </summary>
    public static string? CheckUrl(string url, bool allowInsecure)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
            return "must be an absolute https:// URL";
        if (!string.IsNullOrEmpty(uri.UserInfo)) return "must not carry a user name or password";
        if (allowInsecure) return null;
        if (uri.Scheme != Uri.UriSchemeHttps) return "refused: webhooks are sent over https:// only";
        // The host as the HTTP client will connect to it: IDNA maps "①②⑦.0.0.1" to 127.0.0.1, and a trailing dot
        // still names the same address.
        var host = uri.IdnHost.Trim('[', ']').TrimEnd('.');
        if (IPAddress.TryParse(host, out var address) && IsRefused(address)) return RefusalFor(host, address);
        return null;
    }

    /// <summary>
    /// True for addresses a webhook must not reach unless insecure targets are allowed: unspecified, loopback, private
    /// (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 with the metadata address, fe80::/10), shared
    /// CGNAT space (100.64/10), multicast, broadcast and reserved ranges, the IPv6 discard-only prefix (100::/64), and IPv6 forms that carry one of these IPv4
    /// addresses (IPv4-mapped, IPv4-compatible, NAT64, 6to4).
    /// </summary>
    public static bool IsRefused(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork) return IsRefusedV4(address.GetAddressBytes());
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return true;

        if (address.IsIPv4MappedToIPv6) return IsRefusedV4(address.MapToIPv4().GetAddressBytes());
        var b = address.GetAddressBytes();
        // :: and ::1, and the deprecated IPv4-compatible ::a.b.c.d.
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0) return true;
        // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last four bytes; the local-use prefix 64:ff9b:1::/48 is
        // a network's own translator, so nothing behind it is public.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            return IsRefusedV4(b[12..]);
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01) return true;
        // IPv4-translated ::ffff:0:a.b.c.d carries an IPv4 address as the mapped form does.
        if (b.AsSpan(0, 8).IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
            return IsRefusedV4(b[12..]);
        // Teredo (2001::/32) tunnels to an address it hides; documentation (2001:db8::/32) is never a real receiver.
        if (b[0] == 0x20 && b[1] == 0x01 && ((b[2] == 0x00 && b[3] == 0x00) || (b[2] == 0x0d && b[3] == 0xb8))) return true;
        // 6to4 (2002::/16) carries the IPv4 address in bytes 2–5.
        if (b[0] == 0x20 && b[1] == 0x02) return IsRefusedV4(b[2..6]);
        return IsDiscardOnly(b)
            || (b[0] & 0xfe) == 0xfc          // fc00::/7 unique local
            || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) // fe80::/10 link-local
            || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) // fec0::/10 old site-local
            || b[0] == 0xff;                   // ff00::/8 multicast
    }

    // 100::/64 (RFC 6666): traffic to it is meant to be dropped, so no receiver can be there.
    private static bool IsDiscardOnly(ReadOnlySpan<byte> b) => b[0] == 0x01 && b.Slice(1, 7).IndexOfAnyExcept((byte)0) < 0;

    private static bool IsRefusedV4(ReadOnlySpan<byte> a) =>
        a[0] == 0                                        // 0/8 "this network", 0.0.0.0
        || a[0] == 10                                    // 10/8 private
        || a[0] == 127                                   // 127/8 loopback
        || (a[0] == 100 && (a[1] & 0xc0) == 64)          // 100.64/10 carrier-grade NAT
        || (a[0] == 169 && a[1] == 254)                  // 169.254/16 link-local, cloud metadata
        || (a[0] == 172 && (a[1] & 0xf0) == 16)          // 172.16/12 private
        || (a[0] == 192 && a[1] == 168)                  // 192.168/16 private
        || (a[0] == 192 && a[1] == 0 && a[2] == 0)       // 192.0.0/24 protocol assignments
        || (a[0] == 198 && (a[1] & 0xfe) == 18)          // 198.18/15 benchmarking
        || (a[0] == 192 && a[1] == 0 && a[2] == 2)       // 192.0.2/24, 198.51.100/24, 203.0.113/24 documentation
        || (a[0] == 198 && a[1] == 51 && a[2] == 100)
        || (a[0] == 203 && a[1] == 0 && a[2] == 113)
        || a[0] >= 224;                                  // multicast, reserved, broadcast

    /// <summary>
    /// Whether the address is one of this machine's own (a public address on its interface reaches its own services
    /// as surely as loopback). Read from the interfaces at most once a minute.
    /// </summary>
    public static bool IsThisMachine(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var (readAt, own) = _ownAddresses;
        if (Environment.TickCount64 - readAt > 60_000 || own.Count == 0)
        {
            own = [.. System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address)];
            _ownAddresses = (Environment.TickCount64, own);
        }
        return own.Contains(address);
    }

    private static (long ReadAt, HashSet<IPAddress> Addresses) _ownAddresses = (0, []);

    private static string Describe(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return "loopback";
        if (IsThisMachine(address)) return "this server's own";
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            if (b[0] == 169 && b[1] == 254) return "link-local (metadata)";
            if (b[0] == 0) return "unspecified";
            if (b[0] >= 224) return "multicast or reserved";
        }
        else
        {
            if (address.IsIPv6LinkLocal) return "link-local";
            if (address.IsIPv6Multicast) return "multicast";
            if (address.Equals(IPAddress.IPv6Any)) return "unspecified";
            if (IsDiscardOnly(b)) return "discard-only";
        }
        return "private";
    }

    /// <summary>
    /// The connect step of the webhook client: resolves the name, keeps only the addresses allowed, and connects to
    /// one of those. A name with no allowed address fails the attempt with <see cref="WebhookTargetRefusedException"/>.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(Func<bool> allowInsecure) =>
        async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, cancellationToken);
            if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
            var allowed = allowInsecure() ? addresses : addresses.Where(a => !IsRefused(a) && !IsThisMachine(a)).ToArray();
            if (allowed.Length == 0) throw new WebhookTargetRefusedException(RefusalFor(host, addresses[0]));

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}

/// <summary>A delivery's target resolved only to addresses webhooks may not reach.</summary>
public sealed class WebhookTargetRefusedException(string message) : Exception(message);
