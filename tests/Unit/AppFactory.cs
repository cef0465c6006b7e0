using System.Collections.Concurrent;
using System.Net.Http.Headers;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web;
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
using Npgsql;

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
/// The store the test apps run on: a SQLite file each, or, when <c>FIELDCAMP_TEST_POSTGRES</c> names a PostgreSQL
/// server (test.sh starts one and runs the suite a second time), a fresh database each on that server.
/// </summary>
public static class TestStore
{
    public static string? PostgresServer { get; } = System.Environment.GetEnvironmentVariable("FIELDCAMP_TEST_POSTGRES") is { Length: > 0 } server ? server : null;
    public static bool IsPostgres => PostgresServer is not null;
    public static StoreProvider Provider => IsPostgres ? StoreProvider.Postgres : StoreProvider.Sqlite;

    /// <summary>Tests about the SQLite file itself (backups, permissions, its bytes); the PostgreSQL run leaves them out.</summary>
    public const string SqliteOnly = "SqliteOnly";
}

/// <summary>
/// The real app on a loopback Kestrel port (so requests carry a real client IP), in Development (so the demo
/// workspace is seeded), over its own store (<see cref="TestStore"/>): a SQLite file in a fresh temporary folder, or a
/// fresh PostgreSQL database, removed on dispose. Extra configuration goes in <see cref="Settings"/> before the first request.
/// </summary>
public class AppFactory : WebApplicationFactory<Program>
{
    private readonly string _folder;
    private readonly bool _ownsFolder;

    public AppFactory() : this(null)
    {
    }

    /// <summary>
    /// The installation of <paramref name="previous"/> started again, or a second instance of it: its store (left for
    /// that factory to delete), its environment and, so secrets it encrypted stay readable, its Data Protection keys.
    /// </summary>
    public static AppFactory SameInstallationAs(AppFactory previous) => new(previous);

    private AppFactory(AppFactory? sameDatabaseAs)
    {
        _ownsFolder = sameDatabaseAs is null;
        _folder = sameDatabaseAs?.Folder ?? Path.Combine(Path.GetTempPath(), "fieldcamp-tests", Guid.NewGuid().ToString("N"));
        if (sameDatabaseAs is not null)
        {
            DataProtection = sameDatabaseAs.DataProtection;
            Environment = sameDatabaseAs.Environment;
        }
        Directory.CreateDirectory(_folder);
        DatabasePath = Path.Combine(_folder, "fieldcamp.db");
        ConnectionString = $"Data Source={DatabasePath}";
        if (TestStore.PostgresServer is { } server)
        {
            ConnectionString = sameDatabaseAs?.ConnectionString ?? CreatePostgresDatabase(server);
        }
        UseKestrel(0);
    }

    /// <summary>The SQLite file (unused on PostgreSQL).</summary>
    public string DatabasePath { get; }
    public string ConnectionString { get; }
    public string Folder => _folder;

    /// <summary>The settings that point the app, or its command line, at this factory's store.</summary>
    public Dictionary<string, string?> StoreSettings => new()
    {
        [DatabaseSetup.ProviderSetting] = TestStore.Provider.ToString(),
        ["ConnectionStrings:Default"] = ConnectionString,
    };

    /// <summary>The same settings as environment variables, for the command line started as its own process.</summary>
    public Dictionary<string, string> StoreEnvironment => StoreSettings.ToDictionary(s => s.Key.Replace(":", "__"), s => s.Value!);

    /// <summary>A context on this factory's store made outside the app (as another process would), for a store the app has stopped using.</summary>
    public AppDbContext OpenStoreDirectly()
    {
        var options = new DbContextOptionsBuilder<AppDbContext>();
        if (TestStore.IsPostgres) return new PostgresAppDbContext(options.UseNpgsql(ConnectionString).Options);
        return new SqliteAppDbContext(options.UseSqlite(ConnectionString).Options);
    }

    /// <summary>Every text value in every table of the app's store, read through its connection, one per line.</summary>
    public async Task<string> StoredTextAsync()
    {
        await using var db = await CreateDbContextAsync();
        var tables = db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().Distinct().ToList();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var text = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                for (var i = 0; i < reader.FieldCount; i++)
                    if (!reader.IsDBNull(i) && reader.GetValue(i) is string value) text.AppendLine(value);
        }
        return text.ToString();
    }

    private static string CreatePostgresDatabase(string server)
    {
        var name = "fc_test_" + Guid.NewGuid().ToString("N");
        using var connection = new NpgsqlConnection(server);
        connection.Open();
        using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        create.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private void DropPostgresDatabase()
    {
        var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        using (var pooled = new NpgsqlConnection(ConnectionString)) NpgsqlConnection.ClearPool(pooled);
        using var connection = new NpgsqlConnection(TestStore.PostgresServer);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }

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

    protected override IHost CreateHost(IHostBuilder builder)
    {
        _host = base.CreateHost(builder);
        // Each background job runs a round as the app starts. A test that made its records while that round was still
        // out would race it (a key revoked just after the round saw it, say): the app a test gets has those rounds behind it.
        Task.WhenAll(_host.Services.GetServices<IHostedService>().OfType<PeriodicJob>().Select(job => job.FirstRound))
            .WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        return _host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        foreach (var (key, value) in StoreSettings) builder.UseSetting(key, value);
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
            // The app's own clock ticks in microseconds; so does a test's, as the app sees it.
            if (Clock is not null) services.AddSingleton<TimeProvider>(new MicrosecondTimeProvider(Clock));
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
        if (TestStore.IsPostgres)
        {
            DropPostgresDatabase();
        }
        else
        {
            // Pooled connections keep the file open; let this store's go before removing the folder. Only this store's:
            // clearing every pool would close other running apps' connections, and SQLite removes a -wal file with the last.
            using var connection = new SqliteConnection(ConnectionString);
            SqliteConnection.ClearPool(connection);
        }
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
