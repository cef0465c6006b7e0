using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FieldCamp.Tests.Unit;

/// <summary>Makes the database unreachable while <see cref="Down"/> is set: every connection the app opens fails as the engine's client would.</summary>
public sealed class StoreSwitch : DbConnectionInterceptor
{
    private volatile bool _down;

    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        ThrowIfDown();
        return result;
    }

    public override ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData,
        InterceptionResult result, CancellationToken cancellationToken = default)
    {
        ThrowIfDown();
        return ValueTask.FromResult(result);
    }

    /// <summary>What the thrown exception says.</summary>
    public static string FailureMessage => TestStore.IsPostgres ? "Failed to connect to 127.0.0.1:5432" : "SQLite Error 14: 'unable to open database file'.";

    private void ThrowIfDown()
    {
        if (!_down) return;
        // What each engine's client throws when it cannot reach the store: SQLITE_CANTOPEN for a missing or unreadable
        // file; for PostgreSQL, a refused connection.
        if (TestStore.IsPostgres) throw new Npgsql.NpgsqlException(FailureMessage, new System.Net.Sockets.SocketException(111));
        throw new SqliteException(FailureMessage, 14);
    }
}
