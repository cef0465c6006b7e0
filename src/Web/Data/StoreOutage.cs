using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Data;

/// <summary>
/// What the app does when the database cannot be reached: tells such failures apart, and logs them at most once per
/// <see cref="LogInterval"/> (with how many more there were), so an outage under load is a few lines, not one per request.
/// </summary>
internal sealed class StoreOutage(TimeProvider time, ILogger<StoreOutage> logger)
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);

    /// <summary>Seconds a client is told to wait before retrying a request refused because the store is down.</summary>
    public const string RetryAfter = "5";

    private readonly Lock _gate = new();
    private long _lastLogged = long.MinValue;
    private long _suppressed;
    private bool _down;
    private long _failures;

    /// <summary>
    /// Taken before a database operation and handed to <see cref="Answered"/> after it: only an operation that began
    /// after the last failure proves the database is back (one already in flight may finish after the outage began).
    /// </summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>
    /// Failures that mean "the database did not answer" rather than "the statement was wrong": a broken constraint or
    /// an SQL error is a bug to see as such (a 500 and its own log line), not an outage.
    /// </summary>
    public static bool IsStoreFailure(Exception exception) => exception switch
    {
        // A file without our tables is not our database any more: deleted and recreated empty, or replaced.
        SqliteException { SqliteErrorCode: SqliteError } sqlite => sqlite.Message.Contains("no such table", StringComparison.Ordinal),
        SqliteException sqlite => sqlite.SqliteErrorCode is not (SqliteConstraint or SqliteMismatch or SqliteRange),
        // PostgreSQL answered, so it is up; only its "cannot serve now" classes are an outage: connection trouble (08),
        // out of resources (53), shutting down or starting (57P0x), and, as above, a database or table that is gone.
        Npgsql.PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("57P0", StringComparison.Ordinal)
            || postgres.SqlState is "3D000" or "42P01",
        DbException or TimeoutException => true,
        DbUpdateException or InvalidOperationException => exception.InnerException is { } inner && IsStoreFailure(inner),
        _ => false,
    };

    // SQLite's result codes for statements that are wrong rather than a store that cannot answer.
    private const int SqliteError = 1, SqliteConstraint = 19, SqliteMismatch = 20, SqliteRange = 25;

    /// <summary>Notes that the database answered; after an outage, says once that it is back.</summary>
    /// <param name="failuresBefore"><see cref="Failures"/> when the operation began.</param>
    public void Answered(long failuresBefore)
    {
        if (!Volatile.Read(ref _down)) return;
        long suppressed;
        lock (_gate)
        {
            if (!_down || failuresBefore != _failures) return;
            _down = false;
            suppressed = _suppressed;
            _suppressed = 0;
            _lastLogged = long.MinValue;
        }
        logger.LogWarning("The database answers again ({Suppressed} more failures to reach it after the last report).", suppressed);
    }

    /// <summary>Notes a failure to reach the database; the first of each interval is logged, with the count since the last.</summary>
    public void Report(Exception exception, string whileDoing)
    {
        long suppressed;
        lock (_gate)
        {
            _down = true;
            _failures++;
            var now = time.GetTimestamp();
            if (_lastLogged != long.MinValue && time.GetElapsedTime(_lastLogged, now) < LogInterval)
            {
                _suppressed++;
                return;
            }
            _lastLogged = now;
            suppressed = _suppressed;
            _suppressed = 0;
        }
        // The cause, without a stack trace: where in the app the failure surfaced says nothing about an outage.
        logger.LogError(
            "The database could not be reached while {Work} ({Cause}); API requests that need it are answered 503 until it is back. " +
            "{Suppressed} more such failures since the last report; the next report comes in {Interval} at the earliest.",
            whileDoing, Cause(exception), suppressed, LogInterval);
    }

    /// <summary>The innermost database error's message ("SQLite Error 14: 'unable to open database file'."), or the exception's.</summary>
    private static string Cause(Exception exception)
    {
        var cause = exception;
        for (var inner = exception; inner is not null; inner = inner.InnerException)
            if (inner is DbException or TimeoutException) cause = inner;
        return $"{cause.GetType().Name}: {cause.Message}";
    }
}
