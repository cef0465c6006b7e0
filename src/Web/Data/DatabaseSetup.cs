using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FieldCamp.Web.Data;

/// <summary>The database engines the store runs on (<c>Database:Provider</c>).</summary>
public enum StoreProvider { Sqlite, Postgres }

internal static class DatabaseSetup
{
    public const string DefaultConnectionString = "Data Source=data/fieldcamp.db";
    public const string ProviderSetting = "Database:Provider";

    /// <summary><c>Database:Provider</c>: <c>Sqlite</c> when unset; anything but the two engines stops the start-up.</summary>
    public static StoreProvider Provider(IConfiguration configuration) => configuration[ProviderSetting] switch
    {
        null or "" => StoreProvider.Sqlite,
        var name when Enum.TryParse<StoreProvider>(name, ignoreCase: true, out var provider) && Enum.IsDefined(provider) => provider,
        var name => throw new InvalidOperationException($"{ProviderSetting} is '{name}'; use Sqlite (the default) or Postgres."),
    };

    /// <summary>
    /// Registers the store from <c>Database:Provider</c> and <c>ConnectionStrings:Default</c>. A relative SQLite path is
    /// taken from the content root, so the web app and the command line find the same file wherever they are started from.
    /// </summary>
    public static IServiceCollection AddAppDatabase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var provider = Provider(configuration);
        var connectionString = provider == StoreProvider.Postgres ? PostgresConnectionString(configuration) : null;
        if (provider == StoreProvider.Sqlite)
        {
            var connection = SqliteConnectionString(configuration, contentRoot);
            if (IsFile(connection)) CreatePrivately(connection.DataSource);
            connectionString = connection.ToString();
        }

        services.AddDbContextFactory<AppDbContext, AppDbContextFactory>(options => (provider == StoreProvider.Postgres
                ? options.UseNpgsql(connectionString)
                : options.UseSqlite(connectionString))
            // EF logs every failed open, command, query and save at Error, and the exception then reaches code that
            // reports it (StoreOutage once a minute, the exception handler, the background jobs): during an outage that
            // would be several lines per request. The exception itself is never lost; only EF's own copy is lowered.
            .ConfigureWarnings(warnings => warnings.Log(
                (RelationalEventId.ConnectionError, LogLevel.Debug),
                (RelationalEventId.CommandError, LogLevel.Debug),
                (CoreEventId.QueryIterationFailed, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug))));
        return services;
    }

    /// <summary>
    /// The SQLite connection string from <c>ConnectionStrings:Default</c>, its relative path taken from the content root:
    /// the one file the server, the command line and <c>db backup</c> all use.
    /// </summary>
    public static SqliteConnectionStringBuilder SqliteConnectionString(IConfiguration configuration, string contentRoot)
    {
        var connection = new SqliteConnectionStringBuilder(configuration.GetConnectionString("Default") ?? DefaultConnectionString);
        if (IsFile(connection) && !Path.IsPathRooted(connection.DataSource))
            connection.DataSource = Path.Combine(contentRoot, connection.DataSource);
        return connection;
    }

    /// <summary><c>ConnectionStrings:Default</c> for PostgreSQL; the SQLite default left in place is refused by name.</summary>
    private static string PostgresConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("Default") is { } configured && !configured.Contains("Data Source", StringComparison.OrdinalIgnoreCase)
            ? configured
            : throw new InvalidOperationException("Database:Provider is Postgres: set ConnectionStrings:Default to a PostgreSQL connection string (Host=…;Database=…;Username=…;Password=…).");

    /// <summary>False for an in-memory store, which has no file to create, protect or back up.</summary>
    public static bool IsFile(SqliteConnectionStringBuilder connection) =>
        connection.DataSource is not (":memory:" or "") && connection.Mode != SqliteOpenMode.Memory;

    /// <summary>Only the app's user may read or write: the folder and file hold password hashes.</summary>
    public const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates the database's folder (0700) and an empty database file (0600) when they do not exist yet, before SQLite
    /// opens it: SQLite would create the file with 0644, and its -wal and -shm files take the main file's permissions.
    /// A folder or file that already exists keeps the permissions its operator gave it. On Windows only the folder is made.
    /// </summary>
    internal static void CreatePrivately(string databasePath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
            return;
        }
        if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, PrivateFolder);
        if (File.Exists(databasePath)) return;
        try
        {
            // An empty file is an empty SQLite database; CreateNew never truncates one that appeared meanwhile.
            CreatePrivateFile(databasePath);
        }
        catch (Exception failure) when (failure is IOException or UnauthorizedAccessException)
        {
            // Another process (a second instance, the command line) created it first, and it keeps the permissions given
            // there; or the folder cannot be written, and SQLite reports that when it opens the file, as it always has.
        }
    }

    /// <summary>
    /// Applies pending migrations, and on SQLite switches the file to write-ahead logging (readers never wait on the
    /// writer). EF Core locks the store around the migrations (a lock table on SQLite, an exclusive lock on the history
    /// table on PostgreSQL), so instances that start together apply each migration once and the others wait, then find it done.
    /// </summary>
    public static async Task MigrateAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await db.Database.MigrateAsync();
        if (db.Database.IsSqlite()) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    }

    /// <summary>Creates an empty file readable by the app's user only (0600 outside Windows); fails if it exists.</summary>
    public static void CreatePrivateFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
        using var _ = new FileStream(path, options);
    }
}

/// <summary>Makes each engine's own context type (see <see cref="AppDbContext"/>), so EF Core uses that engine's migrations.</summary>
internal sealed class AppDbContextFactory(DbContextOptions<AppDbContext> options, IConfiguration configuration) : IDbContextFactory<AppDbContext>
{
    private readonly StoreProvider _provider = DatabaseSetup.Provider(configuration);

    public AppDbContext CreateDbContext() => _provider == StoreProvider.Postgres
        ? new PostgresAppDbContext(options)
        : new SqliteAppDbContext(options);
}
