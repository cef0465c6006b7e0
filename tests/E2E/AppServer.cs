using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// The real app on a loopback port (Kestrel, not the in-memory test server), on a SQLite file of its own that is
/// deleted afterwards. In Development (the default) the demo workspace is seeded; in Production the database stays
/// empty, so the app starts as a fresh installation that leads every page to the one-time <c>/setup</c>.
/// </summary>
public sealed class AppServer : WebApplicationFactory<Program>
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fieldcamp-e2e-").FullName;
    private readonly string _environment;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    /// <param name="settings">Configuration on top of appsettings.*.json, such as a shorter revalidation interval.</param>
    public AppServer(string environment = "Development", IReadOnlyDictionary<string, string?>? settings = null)
    {
        _environment = environment;
        _settings = settings ?? new Dictionary<string, string?>();
        UseKestrel(0);
        StartServer();
    }

    public string DatabasePath => Path.Combine(_folder, "e2e.db");

    public Uri BaseAddress => ClientOptions.BaseAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.UseSetting("ConnectionStrings:Default", $"Data Source={DatabasePath}");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
