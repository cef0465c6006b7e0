using FieldCamp.Web.Cli;
using Microsoft.Data.Sqlite;

namespace FieldCamp.Tests.Unit.Cli;

/// <summary><c>db backup FILE</c> against the running server's database file, and the permissions of a fresh store.</summary>
[Trait("Store", TestStore.SqliteOnly)]
public class DatabaseBackupTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    private Task<(int Exit, string Stdout, string Stderr)> BackupAsync(params string[] args) =>
        RunAsync(app.ConnectionString, ["db", "backup", .. args]);

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string connectionString, string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await DatabaseCommandLine.RunAsync(args, stdout, stderr,
            new Dictionary<string, string?> { ["ConnectionStrings:Default"] = connectionString });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A folder of its own for the test's copies, inside the app's folder (deleted with it).</summary>
    private string NewFolder()
    {
        var folder = Path.Combine(app.Folder, AppFactory.UniqueName("backups"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode = SqliteOpenMode.ReadWrite)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task Backup_WhileAnotherTaskKeepsWriting_CopyIsIntactAndHoldsEveryRowCommittedBefore()
    {
        _ = app.Services; // the server is up, on its WAL-mode store
        await using (var setup = Open(app.DatabasePath))
        {
            await ScalarAsync(setup, "CREATE TABLE backup_probe (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);");
            // A few megabytes already there, so the copy takes long enough for writes to land while it runs.
            await ScalarAsync(setup, """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                INSERT INTO backup_probe (id, payload) SELECT i, randomblob(2000) FROM n;
                """);
        }

        var committed = 3000L;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            await using var connection = Open(app.DatabasePath);
            while (!stop.IsCancellationRequested)
            {
                var next = Interlocked.Read(ref committed) + 1;
                await ScalarAsync(connection, $"INSERT INTO backup_probe (id, payload) VALUES ({next}, randomblob(2000));");
                Interlocked.Exchange(ref committed, next); // each INSERT commits on its own
            }
        });
        while (Interlocked.Read(ref committed) < 3020) await Task.Delay(5); // the writer is running
        var target = Path.Combine(NewFolder(), "fieldcamp-backup.db");

        var committedBefore = Interlocked.Read(ref committed);
        var (exit, stdout, stderr) = await BackupAsync(target);
        var committedAfter = Interlocked.Read(ref committed);
        await stop.CancelAsync();
        await writer;

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        Assert.True(committedAfter > committedBefore, "the writer should have kept committing while the backup ran");
        Assert.Contains(target, stdout);
        Assert.Contains($"{new FileInfo(target).Length:N0} bytes", stdout);
        Assert.Equal(target, Assert.Single(Directory.GetFileSystemEntries(Path.GetDirectoryName(target)!)));
        if (!OperatingSystem.IsWindows()) Assert.Equal(Private, File.GetUnixFileMode(target));

        await using var copy = Open(target, SqliteOpenMode.ReadOnly);
        Assert.Equal("ok", await ScalarAsync(copy, "PRAGMA integrity_check;"));
        var rows = (long)(await ScalarAsync(copy, "SELECT COUNT(*) FROM backup_probe;"))!;
        var newest = (long)(await ScalarAsync(copy, "SELECT MAX(id) FROM backup_probe;"))!;
        Assert.Equal(newest, rows); // one moment's rows: 1..newest, no gap, nothing half-written
        Assert.InRange(rows, committedBefore, committedAfter);
        // The app's own data came along too, and the copy stands alone (no -wal needed).
        Assert.Equal(1L, await ScalarAsync(copy, "SELECT COUNT(*) FROM Companies WHERE Slug = 'acme';"));
        Assert.Equal("delete", await ScalarAsync(copy, "PRAGMA journal_mode;"));
    }

    [Fact]
    public async Task Backup_FileExistsWithoutForce_Exit2AndTheFileUntouched()
    {
        _ = app.Services;
        var target = Path.Combine(NewFolder(), "keep.db");
        await File.WriteAllTextAsync(target, "yesterday's backup");

        var (exit, stdout, stderr) = await BackupAsync(target);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("--force", stderr);
        Assert.Equal("yesterday's backup", await File.ReadAllTextAsync(target));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public async Task Backup_FileExistsWithForce_ReplacedByAnIntactCopy()
    {
        _ = app.Services;
        var target = Path.Combine(NewFolder(), "replace.db");
        await File.WriteAllTextAsync(target, "yesterday's backup");

        var (exit, _, stderr) = await BackupAsync(target, "--force");

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        await using var copy = Open(target, SqliteOpenMode.ReadOnly);
        Assert.Equal("ok", await ScalarAsync(copy, "PRAGMA integrity_check;"));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public async Task Backup_FolderMissing_Exit1WithAMessageAndNoFile()
    {
        _ = app.Services;
        var folder = NewFolder();
        var target = Path.Combine(folder, "no-such-folder", "backup.db");

        var (exit, stdout, stderr) = await BackupAsync(target);

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains(Path.Combine(folder, "no-such-folder"), stderr);
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public async Task Backup_FailsHalfway_Exit1AndNoHalfFileLeft()
    {
        // The copy starts (the temporary file exists) and then fails: the store is not an SQLite database.
        var folder = NewFolder();
        var store = Path.Combine(folder, "broken.db");
        await File.WriteAllBytesAsync(store, Enumerable.Repeat((byte)'x', 8192).ToArray());
        var target = Path.Combine(folder, "backup.db");

        var (exit, stdout, stderr) = await RunAsync($"Data Source={store}", ["db", "backup", target]);

        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.Contains("backup failed", stderr);
        Assert.Equal(store, Assert.Single(Directory.GetFileSystemEntries(folder)));
    }

    [Fact]
    public async Task Backup_TheDatabaseItselfAsFile_Exit2AndTheStoreUntouched()
    {
        _ = app.Services;
        var before = new FileInfo(app.DatabasePath).Length;

        var (exit, _, stderr) = await BackupAsync(app.DatabasePath, "--force");

        Assert.Equal(2, exit);
        Assert.Contains("database itself", stderr);
        Assert.Equal(before, new FileInfo(app.DatabasePath).Length);
    }

    [Fact]
    public async Task Backup_StoreNotSqlite_SaysToUseThatStoresOwnTools()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await DatabaseCommandLine.RunAsync(["db", "backup", Path.Combine(app.Folder, "x.db")], stdout, stderr,
            new Dictionary<string, string?> { ["Database:Provider"] = "Postgres" });

        Assert.Equal(1, exit);
        Assert.Contains("pg_dump", stderr.ToString());
        Assert.False(File.Exists(Path.Combine(app.Folder, "x.db")));
    }

    [Fact]
    public async Task Backup_NoFile_Exit2WithUsage()
    {
        var stderr = new StringWriter();

        var exit = await DatabaseCommandLine.RunAsync(["db", "backup"], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains("db backup FILE [--force]", stderr.ToString());
    }

    [Fact]
    public async Task Backup_AsASeparateProcess_WritesTheCopyAndSaysWhere()
    {
        _ = app.Services;
        var target = Path.Combine(NewFolder(), "process.db");
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Default"] = $"Data Source={app.DatabasePath}",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };

        var (exit, stdout, stderr) = await ApiKeyCommandLineProcessTests.RunDotnetAsync(app.Folder, environment, "db", "backup", target);

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        Assert.Contains(target, stdout);
        await using var copy = Open(target, SqliteOpenMode.ReadOnly);
        Assert.Equal("ok", await ScalarAsync(copy, "PRAGMA integrity_check;"));
    }

    [Fact]
    public async Task FreshStore_FolderAndFilesReadableByTheAppsUserOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        var parent = Path.Combine(Path.GetTempPath(), "fieldcamp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var folder = Path.Combine(parent, "data");
        var database = Path.Combine(folder, "fieldcamp.db");
        try
        {
            await using (var fresh = new AppFactory { Environment = "Production", Settings = { ["ConnectionStrings:Default"] = $"Data Source={database}" } })
            {
                _ = fresh.Services; // started: migrated, in WAL mode, with pooled connections holding -wal and -shm open

                Assert.Equal(PrivateFolder, File.GetUnixFileMode(folder));
                Assert.Equal(Private, File.GetUnixFileMode(database));
                Assert.True(File.Exists(database + "-wal"), "the running store should have its write-ahead log");
                Assert.Equal(Private, File.GetUnixFileMode(database + "-wal"));
                Assert.Equal(Private, File.GetUnixFileMode(database + "-shm"));
            }
            // A folder the operator made keeps the permissions they gave it.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(parent));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task ExistingStore_KeepsThePermissionsTheOperatorGaveIt()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = Path.Combine(app.Folder, AppFactory.UniqueName("operator"));
        Directory.CreateDirectory(folder);
        var database = Path.Combine(folder, "fieldcamp.db");
        var shared = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        await using (File.Create(database)) { }
        File.SetUnixFileMode(database, shared);

        // Any command that opens the store goes through the same set-up as the server (and migrates the empty file).
        var exit = await ApiKeyCommandLine.RunAsync(["apikey", "list", "--company", "acme"], new StringWriter(), new StringWriter(),
            new Dictionary<string, string?> { ["ConnectionStrings:Default"] = $"Data Source={database}" });

        Assert.Equal(2, exit); // a new, empty store: no company acme
        Assert.True(new FileInfo(database).Length > 0, "the store should have been migrated");
        Assert.Equal(shared, File.GetUnixFileMode(database));
    }
}
