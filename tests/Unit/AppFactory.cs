using System.Collections.Concurrent;
using System.Net.Http.Headers;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FieldCamp.Tests.Unit;

/// <summary>How a test client presents its key.</summary>
public enum KeyHeader
{
    Bearer,
    XApiKey,
}

/// <summary>A key minted for a test: its id, the one copy of its secret, and where it lives.</summary>
public sealed record TestKey(string Id, string Secret, string Name, IReadOnlyList<string> Scopes, string CompanyId, string BranchId);

/// <summary>
/// The real app on a loopback Kestrel port (so requests carry a real client IP), in Development (so the demo
/// workspace is seeded), over its own SQLite file in a fresh temporary folder that is deleted on dispose.
/// Extra configuration goes in <see cref="Settings"/> before the first request.
/// </summary>
public class AppFactory : WebApplicationFactory<Program>
{
    private readonly string _folder;
    private readonly bool _ownsFolder;

    public AppFactory() : this(null)
    {
    }

    /// <summary>
    /// The installation of <paramref name="previous"/> started again: its database file (left for that factory to
    /// delete) and, so secrets it encrypted stay readable, its Data Protection keys.
    /// </summary>
    public static AppFactory SameInstallationAs(AppFactory previous) => new(previous);

    private AppFactory(AppFactory? sameDatabaseAs)
    {
        _ownsFolder = sameDatabaseAs is null;
        _folder = sameDatabaseAs?.Folder ?? Path.Combine(Path.GetTempPath(), "fieldcamp-tests", Guid.NewGuid().ToString("N"));
        if (sameDatabaseAs is not null) DataProtection = sameDatabaseAs.DataProtection;
        Directory.CreateDirectory(_folder);
        DatabasePath = Path.Combine(_folder, "fieldcamp.db");
        UseKestrel(0);
    }

    public string DatabasePath { get; }
    public string ConnectionString => $"Data Source={DatabasePath}";
    public string Folder => _folder;

    /// <summary>The app's Data Protection keys, kept in memory for the life of this factory.</summary>
    public IDataProtectionProvider DataProtection { get; } = new EphemeralDataProtectionProvider();

    /// <summary>
    /// Leaves Data Protection as the app sets it up (its key ring in Redis, when configured) instead of
    /// <see cref="DataProtection"/>: for tests of what several instances share.
    /// </summary>
    public bool AppDataProtection { get; set; }

    /// <summary>Configuration on top of appsettings.*.json; read once, when the server starts.</summary>
    public Dictionary<string, string?> Settings { get; } = new()
    {
        // Short, so usage shows up quickly; the tests poll, so the default 1 s works as well.
        ["ApiKeys:Usage:FlushInterval"] = "00:00:00.200",
    };

    /// <summary>"Production" starts on an empty database: no demo workspace, as on a fresh installation.</summary>
    public string Environment { get; init; } = "Development";

    /// <summary>Added to the app's database context, for tests that need to watch or slow its commands.</summary>
    public List<IInterceptor> DbInterceptors { get; } = [];

    /// <summary>
    /// PBKDF2 iterations of the app's password hasher. One keeps each fresh app cheap; a test that measures sign-in
    /// timing sets the production cost (100,000).
    /// </summary>
    public int PasswordIterations { get; init; } = 1;

    /// <summary>Replaces the app's clock when set.</summary>
    public TimeProvider? Clock { get; set; }

    /// <summary>Everything the app logs, at every level when <see cref="LogEverything"/> is set.</summary>
    public LogCapture Logs { get; } = new();
    public bool LogEverything { get; set; }

    /// <summary>
    /// The running app's host, for tests that stop it the way a shutdown would. Its services are disposed soon after;
    /// the database file stays until this factory is disposed.
    /// </summary>
    public IHost Host => _host ?? throw new InvalidOperationException("The app has not started yet.");
    private IHost? _host;

    protected override IHost CreateHost(IHostBuilder builder) => _host = base.CreateHost(builder);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseSetting("ConnectionStrings:Default", ConnectionString);
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging =>
        {
            logging.AddProvider(Logs);
            if (LogEverything)
            {
                logging.SetMinimumLevel(LogLevel.Trace);
                logging.AddFilter<LogCapture>(null, LogLevel.Trace);
            }
        });
        builder.ConfigureTestServices(services =>
        {
            if (!AppDataProtection) services.AddSingleton(DataProtection);
            // Seeding hashes four demo passwords at 100,000 iterations, about a second per app on two cores; the API
            // tests never sign anyone in, so one iteration keeps each fresh app cheap.
            services.Configure<PasswordHasherOptions>(options => options.IterationCount = PasswordIterations);
            if (Clock is not null) services.AddSingleton(Clock);
            if (DbInterceptors.Count > 0) services.ConfigureDbContext<AppDbContext>(options => options.AddInterceptors(DbInterceptors));
        });
    }

    /// <summary>A client that sends <paramref name="apiKey"/> in the chosen header on every request.</summary>
    public HttpClient CreateClient(string apiKey, KeyHeader header = KeyHeader.Bearer)
    {
        var client = CreateClient();
        if (header == KeyHeader.Bearer)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        else
            client.DefaultRequestHeaders.TryAddWithoutValidation("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>A client with the given key in the given header (exact name, any value) and nothing else.</summary>
    public HttpClient CreateClientWithHeader(string name, string value)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
        return client;
    }

    /// <summary>Company and branch ids of a seeded tenant; the first branch when none is named.</summary>
    public async Task<(string CompanyId, string BranchId)> TenantAsync(string company = "acme", string? branch = null)
    {
        await using var db = await CreateDbContextAsync();
        var companyId = await db.Companies.Where(c => c.Slug == company).Select(c => c.Id).SingleAsync();
        var branches = db.Branches.Where(b => b.CompanyId == companyId);
        var branchId = branch is null
            ? await branches.OrderBy(b => b.Id).Select(b => b.Id).FirstAsync()
            : await branches.Where(b => b.Name.ToLower() == branch.ToLower()).Select(b => b.Id).SingleAsync();
        return (companyId, branchId);
    }

    /// <summary>Mints a key through the same domain path the API and the CLI use, with an operator as the actor.</summary>
    public async Task<TestKey> CreateKeyAsync(string company = "acme", string? branch = null, string[]? scopes = null,
        string? name = null, DateTime? expiresAt = null, int? rateLimit = null)
    {
        var (companyId, branchId) = await TenantAsync(company, branch);
        var manager = Services.GetRequiredService<ApiKeyManager>();
        var spec = new NewApiKey(name ?? UniqueName(), scopes ?? ["clients:read"], expiresAt, rateLimit);
        var (key, secret) = await manager.CreateAsync(new KeyScope(companyId, branchId), spec, Actor.Operator("tests"));
        return new TestKey(key.Id, secret, key.Name, key.Scopes, companyId, branchId);
    }

    /// <summary>Stores a key built by the test itself (for states the API cannot reach honestly, such as one created in the past).</summary>
    public async Task SaveKeyAsync(ApiKey key)
    {
        await using var db = await CreateDbContextAsync();
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync();
    }

    public async Task<AppDbContext> CreateDbContextAsync() =>
        await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    public static string UniqueName(string prefix = "test") => $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}";

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing || !_ownsFolder) return;
        // Pooled connections keep the file open; let them go before removing the folder.
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Keeps every log line the app writes, fully formatted with its exception, for secrecy checks.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new CaptureLogger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class CaptureLogger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            entries.Enqueue($"{category} scope: {Describe(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue($"{logLevel} {category} [{eventId}] {formatter(state, exception)} | {Describe(state)} | {exception}");

        // The structured values too: a sink that stores them (Seq, Application Insights) would keep a secret there.
        private static string Describe<T>(T state) => state is IEnumerable<KeyValuePair<string, object?>> values
            ? string.Join("; ", values.Select(v => $"{v.Key}={v.Value}"))
            : state?.ToString() ?? "";
    }
}
