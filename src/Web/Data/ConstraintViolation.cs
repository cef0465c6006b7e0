using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Data;

/// <summary>Which kind of database constraint refused a save.</summary>
public enum ConstraintKind { None, Unique, ForeignKey }

/// <summary>
/// Reads a failed save as a broken constraint. A check before the save can race with another request; the database's
/// unique indexes and foreign keys cannot, so endpoints turn their refusal into the same answer the check gives.
/// Works for SQLite and PostgreSQL (SqlState read through <see cref="DbException"/>, without a Npgsql reference).
/// </summary>
public static class ConstraintViolation
{
    private const int SqliteConstraint = 19, SqliteUnique = 2067, SqlitePrimaryKey = 1555, SqliteForeignKey = 787, SqliteTrigger = 1811;

    public static ConstraintKind Of(DbUpdateException exception)
    {
        for (Exception? inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SqliteException { SqliteErrorCode: SqliteConstraint } sqlite)
                return sqlite.SqliteExtendedErrorCode switch
                {
                    SqliteUnique or SqlitePrimaryKey => ConstraintKind.Unique,
                    SqliteForeignKey => ConstraintKind.ForeignKey,
                    // SQLite enforces ON DELETE RESTRICT with an internal trigger, so deleting a client still in use
                    // fails as a trigger with the foreign key's message.
                    SqliteTrigger when sqlite.Message.Contains("FOREIGN KEY constraint failed", StringComparison.Ordinal) => ConstraintKind.ForeignKey,
                    _ => ConstraintKind.None,
                };
            if (inner is DbException { SqlState: { } state })
                return state switch
                {
                    "23505" => ConstraintKind.Unique,
                    "23503" => ConstraintKind.ForeignKey,
                    _ => ConstraintKind.None,
                };
        }
        return ConstraintKind.None;
    }

    public static bool IsUnique(DbUpdateException exception) => Of(exception) == ConstraintKind.Unique;
    public static bool IsForeignKey(DbUpdateException exception) => Of(exception) == ConstraintKind.ForeignKey;
}
