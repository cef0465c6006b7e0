using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FieldCamp.Web.Data;

internal static class DatabaseSetup
{
    public const string DefaultConnectionString = "Data Source=data/fieldcamp.db";

    /// <summary>
    /// Registers the store from <c>ConnectionStrings:Default</c>. A relative SQLite path is taken from the content
    /// root, so the web app and the command line find the same file wherever they are started from.
    /// </summary>
    public static IServiceCollection AddAppDatabase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var connection = new SqliteConnectionStringBuilder(configuration.GetConnectionString("Default") ?? DefaultConnectionString);
        if (connection.DataSource is not (":memory:" or "") && !Path.IsPathRooted(connection.DataSource))
            connection.DataSource = Path.Combine(contentRoot, connection.DataSource);
        if (Path.GetDirectoryName(connection.DataSource) is { Length: > 0 } folder) Directory.CreateDirectory(folder);

        services.AddDbContextFactory<AppDbContext>(options => options.UseSqlite(connection.ToString())
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

    /// <summary>Applies pending migrations and switches the file to write-ahead logging (readers never wait on the writer).</summary>
    public static async Task MigrateAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    }
}
