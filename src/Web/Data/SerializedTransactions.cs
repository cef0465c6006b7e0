using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace FieldCamp.Web.Data;

/// <summary>
/// Transactions for "read, decide, then write" steps that must not interleave with the same step elsewhere (the last
/// owner demoted twice at once, a cap counted by two requests, two instances dispatching the same events), on every
/// engine and across instances.
/// </summary>
/// <remarks>
/// SQLite takes the database's write lock as the transaction begins (BEGIN IMMEDIATE), so such transactions already run
/// one after another. PostgreSQL runs them side by side at READ COMMITTED; a transaction-scoped advisory lock on the
/// step's name makes the ones with the same name queue, and it is released at commit or rollback.
/// </remarks>
internal static class SerializedTransactions
{
    public static async Task<IDbContextTransaction> BeginSerializedAsync(this DatabaseFacade database, string lockName,
        CancellationToken cancellationToken = default)
    {
        var transaction = await database.BeginTransactionAsync(cancellationToken);
        if (database.IsNpgsql())
        {
            var key = LockKey(lockName);
            await database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({key})", cancellationToken);
        }
        return transaction;
    }

    /// <summary>PostgreSQL's advisory locks take a 64-bit number: the first 8 bytes of the name's SHA-256.</summary>
    private static long LockKey(string name) => BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
}
