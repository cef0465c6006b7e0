using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FieldCamp.Bench.ListPage;

/// <summary>
/// The real app on a loopback port, started exactly as tests/E2E/AppServer.cs starts it: WebApplicationFactory with
/// Kestrel on port 0, Development environment (so the demo workspace is seeded), and a SQLite file of its own in a
/// temp folder that is deleted afterwards. Only the log level differs: warnings and errors still reach the console,
/// the per-request information lines would drown the results.
/// </summary>
internal sealed class BenchApp : WebApplicationFactory<Program>
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fieldcamp-bench-list-").FullName;

    public BenchApp()
    {
        UseKestrel(0);
        StartServer();
    }

    public string DatabasePath => Path.Combine(_folder, "bench.db");

    public Uri BaseAddress => ClientOptions.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:Default", $"Data Source={DatabasePath}");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
