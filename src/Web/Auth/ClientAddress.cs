using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace FieldCamp.Web.Auth;

/// <summary>
/// The client a failed credential is counted against: an IPv4 address, or an IPv6 address's /64 network. One IPv6
/// subscriber usually holds a whole /64, so counting single IPv6 addresses would let one client step around the
/// throttle by changing the low 64 bits. An IPv4 address mapped into IPv6 counts as the IPv4 address.
/// A value type, so counting a failure allocates nothing.
/// </summary>
internal readonly record struct ClientAddress(ulong High, ulong Low)
{
    // IPv4 is kept in the low bits with the ::ffff: marker, so it never collides with an IPv6 /64 (whose low bits are 0).
    private const ulong V4Marker = 0xFFFF_0000_0000UL;

    /// <summary>The request's client, as the forwarded-headers middleware left it (the connection's address otherwise).</summary>
    public static ClientAddress Of(HttpContext context) => From(context.Connection.RemoteIpAddress);

    public static ClientAddress From(IPAddress? address)
    {
        if (address is null) return default;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written)) return default;
        return address.AddressFamily == AddressFamily.InterNetwork && written == 4
            ? new ClientAddress(0, V4Marker | BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : new ClientAddress(BinaryPrimitives.ReadUInt64BigEndian(bytes), 0);
    }

    /// <summary>For the log: <c>203.0.113.7</c>, or <c>2001:db8:1:2::/64</c>.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (High == 0 && (Low & V4Marker) == V4Marker)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Low);
            return new IPAddress(bytes[..4]).ToString();
        }
        BinaryPrimitives.WriteUInt64BigEndian(bytes, High);
        return new IPAddress(bytes) + "/64";
    }
}
