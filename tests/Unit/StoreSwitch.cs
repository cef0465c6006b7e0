using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FieldCamp.Tests.Unit;

/// <summary>Makes the database unreachable while <see cref="Down"/> is set: every connection the app opens fails as SQLite would.</summary>
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

    private void ThrowIfDown()
    {
        // SQLITE_CANTOPEN, what a missing or unreadable database file gives.
        if (_down) throw new SqliteException("SQLite Error 14: 'unable to open database file'.", 14);
    }
}
