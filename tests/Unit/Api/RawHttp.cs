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
}
