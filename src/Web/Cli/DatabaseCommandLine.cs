using System.CommandLine;
using FieldCamp.Web.Data;
using Microsoft.Data.Sqlite;

namespace FieldCamp.Web.Cli;

/// <summary>
/// <c>db backup FILE [--force]</c>: a consistent copy of the SQLite store, taken with SQLite's online backup while the
/// server keeps serving (readers and writers are not stopped; the copy is the database as it was when the backup
/// read it). The copy is written under a temporary name in FILE's folder and renamed only when complete, so FILE is
/// never a half-written file. Exit codes: 0 done, 2 bad arguments (FILE exists without <c>--force</c>), 1 the backup
/// could not be made (a message on stderr says why). stdout says where the copy went and its size.
/// </summary>
internal static class DatabaseCommandLine
{
    public const int Failed = 1;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var file = new Argument<string>("FILE") { Description = "Where to write the copy, e.g. backups/fieldcamp-2026-12-03.db." };
        var force = new Option<bool>("--force") { Description = "Replace FILE if it exists." };
        var backup = new Command("backup", "Write a consistent copy of the SQLite store to FILE while the server keeps running.") { file, force };
        var root = new RootCommand("FieldCamp Console operator commands.") { new Command("db", "Database maintenance.") { backup } };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 || parsed.CommandResult.Command is { Subcommands.Count: > 0 } and not RootCommand && !HasHelp(args))
        {
            foreach (var error in parsed.Errors) await stderr.WriteLineAsync(error.Message);
            await stderr.WriteLineAsync("Usage: db backup FILE [--force] (add --help for details).");
            return ApiKeyCommandLine.BadArguments;
        }
        if (parsed.CommandResult.Command == root || HasHelp(args))
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = stderr, Error = stderr });

        // The same settings as the server (appsettings, environment, content root), but no host: a backup neither
        // migrates nor creates the store.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        using var configuration = builder.Configuration;

        if (configuration[DatabaseSetup.ProviderSetting] is { Length: > 0 } provider && !provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            await stderr.WriteLineAsync($"The store is {provider}, not SQLite: back it up with its own tools " +
                "(for PostgreSQL, pg_dump; see \"Backups\" in the README). db backup copies the SQLite store only.");
            return Failed;
        }
        var connection = DatabaseSetup.SqliteConnectionString(configuration, builder.Environment.ContentRootPath);
        if (!DatabaseSetup.IsFile(connection))
        {
            await stderr.WriteLineAsync("The store is an in-memory SQLite database: there is no file to back up.");
            return Failed;
        }
        return await BackupAsync(connection, parsed.GetValue(file)!, parsed.GetValue(force), stdout, stderr);
    }

    private static async Task<int> BackupAsync(SqliteConnectionStringBuilder store, string file, bool force, TextWriter stdout, TextWriter stderr)
    {
        var source = Path.GetFullPath(store.DataSource);
        var target = Path.GetFullPath(file);
        if (!File.Exists(source))
        {
            await stderr.WriteLineAsync($"No database at {source}: nothing to back up (check ConnectionStrings:Default).");
            return Failed;
        }
        if (string.Equals(source, target, StringComparison.Ordinal))
        {
            await stderr.WriteLineAsync($"{target} is the database itself; write the copy somewhere else.");
            return ApiKeyCommandLine.BadArguments;
        }
        if (Directory.Exists(target))
        {
            await stderr.WriteLineAsync($"{target} is a folder; give the name of the file to write, e.g. {Path.Combine(file, "fieldcamp.db")}.");
            return Failed;
        }
        if (File.Exists(target) && !force)
        {
            await stderr.WriteLineAsync($"{target} already exists; add --force to replace it.");
            return ApiKeyCommandLine.BadArguments;
        }
        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            await stderr.WriteLineAsync($"No folder {folder}: create it first, or write the copy elsewhere.");
            return Failed;
        }

        // Hidden, in the same folder (so the rename cannot cross file systems), and unique to this run.
        var partial = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        try
        {
            DatabaseSetup.CreatePrivateFile(partial);
            CopyStore(store, partial);
            File.Move(partial, target, overwrite: force);
        }
        catch (Exception failure) when (failure is SqliteException or IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"The backup failed, and {target} was {(File.Exists(target) ? "left as it was" : "not written")}: {failure.Message}");
            return Failed;
        }
        finally
        {
            foreach (var leftover in new[] { partial, partial + "-journal", partial + "-wal", partial + "-shm" })
                File.Delete(leftover); // no error when it does not exist
        }

        var size = new FileInfo(target).Length;
        await stdout.WriteLineAsync($"Wrote {target} ({size:N0} bytes, {Readable(size)}), a copy of {source}.");
        return ApiKeyCommandLine.Ok;
    }

    /// <summary>
    /// SQLite's online backup of the whole store in one step, so one read transaction: the copy is the database as one
    /// moment saw it, while the server goes on reading and writing (write-ahead logging lets readers and the writer
    /// work side by side). The copy is then made a single self-contained file (rollback journal, no -wal) and checked.
    /// </summary>
    private static void CopyStore(SqliteConnectionStringBuilder store, string destinationPath)
    {
        var sourceSettings = new SqliteConnectionStringBuilder(store.ToString()) { Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        var destinationSettings = new SqliteConnectionStringBuilder { DataSource = destinationPath, Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        using var source = new SqliteConnection(sourceSettings.ToString());
        using var destination = new SqliteConnection(destinationSettings.ToString());
        source.Open();
        destination.Open();
        Execute(source, "PRAGMA busy_timeout = 30000;");
        source.BackupDatabase(destination);

        Execute(destination, "PRAGMA journal_mode = DELETE;");
        if (Execute(destination, "PRAGMA quick_check;") is not "ok" and var problem)
            throw new IOException($"the copy does not pass SQLite's check: {problem}");
    }

    private static string? Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }

    private static string Readable(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GiB",
    };

    private static bool HasHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");
}
