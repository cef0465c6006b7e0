using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FieldCamp.Tests.Unit.Scaling;

/// <summary>
/// A throwaway <c>redis-server</c> on a free loopback port, nothing saved to disk, stopped (killed) on dispose. It can
/// be stopped and started again on the same port, as an outage would. Fails with a clear message when the binary is
/// missing (test.sh installs Debian's redis-server): the tests that need it never skip silently.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private Process? _process;

    public RedisServer()
    {
        Port = FreePort();
        Start();
    }

    public int Port { get; }

    /// <summary>The app's <c>Redis:Configuration</c>: a short connect timeout, so tests of outages run quickly.</summary>
    public string Configuration => $"127.0.0.1:{Port},connectTimeout=2000,asyncTimeout=2000";

    public static string Binary { get; } = FindBinary();

    public void Start()
    {
        if (_process is { HasExited: false }) return;
        var start = new ProcessStartInfo(Binary)
        {
            ArgumentList = { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Path.GetTempPath() },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Answers())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"redis-server on port {Port} did not start listening.");
            Thread.Sleep(20);
        }
    }

    /// <summary>Stops the server as a crash would (no goodbye to the clients) and waits until it is gone.</summary>
    public void Stop()
    {
        if (_process is not { HasExited: false } process) return;
        process.Kill();
        process.WaitForExit();
    }

    public void Dispose()
    {
        Stop();
        _process?.Dispose();
    }

    private bool Answers()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            using var stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var buffer = new byte[16];
            var read = stream.Read(buffer);
            return read >= 5 && System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string FindBinary()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/usr/local/bin").Select(folder => Path.Combine(folder, "redis-server"));
        return candidates.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
            "redis-server is not installed, so the multi-instance tests cannot run. Install it with "
            + "`scripts/apt-install.sh redis-server` (test.sh does this by itself).");
    }
}
