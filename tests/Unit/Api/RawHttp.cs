using System.Net.Sockets;
using System.Text;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Sends a request byte for byte over a socket, for header shapes a client library might tidy up
/// (two spaces after <c>Bearer</c>, say). Returns the status code and the raw response.
/// </summary>
internal static class RawHttp
{
    public static async Task<(int Status, string Response)> GetAsync(Uri server, string path, params string[] headerLines)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        await using var stream = tcp.GetStream();
        var request = new StringBuilder()
            .Append($"GET {path} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\n");
        foreach (var line in headerLines) request.Append(line).Append("\r\n");
        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ', 3)[1]);
        return (status, response);
    }

    /// <summary>
    /// Sends only the head of a request that announces a body (by Content-Length or chunked) and none of the body, so
    /// the answer shows what the server decided before reading it. Returns the status and the response body, dechunked.
    /// </summary>
    public static Task<(int Status, string Body)> SendHeadOnlyAsync(Uri server, string method, string path, params string[] headerLines) =>
        SendAsync(server, method, path, [], headerLines);

    /// <summary>Sends the request head, then <paramref name="body"/> as given (already chunked, if the head says so).</summary>
    public static async Task<(int Status, string Body)> SendAsync(Uri server, string method, string path, byte[] body, params string[] headerLines)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        await using var stream = tcp.GetStream();
        var request = new StringBuilder()
            .Append($"{method} {path} HTTP/1.1\r\nHost: {server.Authority}\r\nConnection: close\r\nContent-Type: application/json\r\n");
        foreach (var line in headerLines) request.Append(line).Append("\r\n");
        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
        if (body.Length > 0) _ = stream.WriteAsync(body).AsTask().ContinueWith(static _ => { }, TaskScheduler.Default);
        // Read until the response is whole, not until the server closes: it may reset a connection whose announced
        // body never came, once it has answered.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (TryParse(received.ToArray()) is null)
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0) break;
            received.Write(buffer, 0, read);
        }
        return TryParse(received.ToArray()) ?? throw new IOException("The connection ended before a whole response.");
    }

    private static (int Status, string Body)? TryParse(byte[] bytes)
    {
        var split = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (split < 0) return null;
        var head = Encoding.ASCII.GetString(bytes, 0, split);
        var status = int.Parse(head.Split(' ', 3)[1]);
        var body = bytes[(split + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            if (!body.AsSpan().EndsWith("0\r\n\r\n"u8)) return null;
            body = Dechunk(body);
        }
        else
        {
            var length = head.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            if (length is not null && body.Length < int.Parse(length["Content-Length:".Length..].Trim())) return null;
        }
        return (status, Encoding.UTF8.GetString(body));
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        var body = new MemoryStream();
        var at = 0;
        while (true)
        {
            var end = at + chunked.AsSpan(at).IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(chunked, at, end - at).Split(';')[0], 16);
            if (size == 0) return body.ToArray();
            body.Write(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }
    }
}
