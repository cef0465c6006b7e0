using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FieldCamp.Tests.Unit;

/// <summary>Counts the queries whose text contains <c>fragment</c>, as the store receives them.</summary>
public sealed class CountedCommands(string fragment) : DbCommandInterceptor
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result)
    {
        Note(command);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command,
        CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Note(command);
        return ValueTask.FromResult(result);
    }

    private void Note(DbCommand command)
    {
        if (command.CommandText.Contains(fragment, StringComparison.Ordinal)) Interlocked.Increment(ref _count);
    }
}
