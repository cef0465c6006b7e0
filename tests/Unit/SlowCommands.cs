using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FieldCamp.Tests.Unit;

/// <summary>Holds back every query whose text contains <c>fragment</c> by <c>delay</c> before it runs.</summary>
public sealed class SlowCommands(string fragment, TimeSpan delay) : DbCommandInterceptor
{
    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command,
        CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains(fragment, StringComparison.Ordinal)) await Task.Delay(delay, cancellationToken);
        return result;
    }
}
