using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FieldCamp.Tests.Unit;

/// <summary>Holds every query whose text contains <c>fragment</c> until <see cref="Release"/> is called.</summary>
public sealed class HeldCommands(string fragment) : DbCommandInterceptor
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first such query is being held.</summary>
    public Task Held => _held.Task;

    public void Release() => _released.TrySetResult();

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command,
        CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains(fragment, StringComparison.Ordinal))
        {
            _held.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
        }
        return result;
    }
}
