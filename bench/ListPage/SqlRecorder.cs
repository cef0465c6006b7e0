using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FieldCamp.Bench.ListPage;

/// <summary>
/// Optional (--sql): records every SQL command EF Core runs in this process, through EF's DiagnosticListener (no
/// change to the app's services), with the time to execute it and the time its data reader stayed open
/// (materialising rows). Each command is attributed to the benchmark phase running when it started; commands
/// of the page's 5-second refresh timer land in whichever phase is running.
/// </summary>
internal sealed partial class SqlRecorder : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private static readonly string ExecutedName = RelationalEventId.CommandExecuted.Name!;
    private static readonly string ReaderDisposingName = RelationalEventId.DataReaderDisposing.Name!;

    private readonly IDisposable _allListeners;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly ConcurrentDictionary<Guid, Record> _commands = new();

    public SqlRecorder() => _allListeners = DiagnosticListener.AllListeners.Subscribe(this);

    /// <summary>The label new commands are filed under.</summary>
    public volatile string Phase = "startup";

    private sealed class Record(string phase, string sql, double executeMs)
    {
        public string Phase { get; } = phase;
        public string Sql { get; } = sql;
        public double ExecuteMs { get; } = executeMs;
        public double ReaderMs { get; set; }
    }

    public void OnNext(DiagnosticListener listener)
    {
        if (listener.Name != "Microsoft.EntityFrameworkCore") return;
        lock (_subscriptions)
            _subscriptions.Add(listener.Subscribe(this, name => name == ExecutedName || name == ReaderDisposingName));
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        switch (value.Value)
        {
            case CommandExecutedEventData executed:
                _commands[executed.CommandId] = new Record(Phase, Normalize(executed.Command.CommandText), executed.Duration.TotalMilliseconds);
                break;
            case DataReaderDisposingEventData disposing when _commands.TryGetValue(disposing.CommandId, out var record):
                record.ReaderMs = disposing.Duration.TotalMilliseconds;
                break;
        }
    }

    public void OnCompleted() { }
    public void OnError(Exception error) { }

    /// <summary>Per phase, the statements that took the most time in total, with the number of runs per page action.</summary>
    public void Print(IReadOnlyDictionary<string, int> actionsPerPhase, int top, string fullTextPath)
    {
        var records = _commands.Values.ToList();
        var shapes = records.Select(r => r.Sql).Distinct().Select((sql, i) => (sql, id: $"Q{i + 1}")).ToDictionary(p => p.sql, p => p.id);
        Console.WriteLine();
        Console.WriteLine("SQL by phase (EF Core diagnostics; exec = ExecuteReader, read = reader open until disposed; ms)");
        foreach (var (phase, actions) in actionsPerPhase)
        {
            var inPhase = records.Where(r => r.Phase == phase).ToList();
            if (inPhase.Count == 0) continue;
            var total = inPhase.Sum(r => r.ExecuteMs + r.ReaderMs);
            Console.WriteLine($"  {phase}: {inPhase.Count} commands over {actions} page actions, {total:F1} ms in SQL ({total / actions:F1} ms per action)");
            Console.WriteLine($"    {"query",-6} {"runs",5} {"per act",7} {"exec avg",9} {"read avg",9} {"max",8} {"total",9}  text");
            foreach (var group in inPhase.GroupBy(r => r.Sql).OrderByDescending(g => g.Sum(r => r.ExecuteMs + r.ReaderMs)).Take(top))
            {
                var runs = group.Count();
                Console.WriteLine($"    {shapes[group.Key],-6} {runs,5} {(double)runs / actions,7:F1} {group.Average(r => r.ExecuteMs),9:F2} {group.Average(r => r.ReaderMs),9:F2} " +
                    $"{group.Max(r => r.ExecuteMs + r.ReaderMs),8:F2} {group.Sum(r => r.ExecuteMs + r.ReaderMs),9:F1}  {Shorten(group.Key, 150)}");
            }
        }
        File.WriteAllLines(fullTextPath, shapes.OrderBy(p => int.Parse(p.Value[1..])).Select(p => $"-- {p.Value}\n{p.Key}\n"));
        Console.WriteLine($"  (full text of every query: {fullTextPath})");
    }

    public void Dispose()
    {
        _allListeners.Dispose();
        lock (_subscriptions) _subscriptions.ForEach(s => s.Dispose());
    }

    private static string Normalize(string sql) => Whitespace().Replace(sql, " ").Trim();

    /// <summary>
    /// One readable line: column lists become "…", the branch filter every list query starts with becomes
    /// "[branch]", quotes go, and the rest is cut at <paramref name="length"/>.
    /// </summary>
    private static string Shorten(string sql, int length)
    {
        sql = ColumnList().Replace(sql, "SELECT … FROM ").Replace("\"", "")
            .Replace("a.BranchId = @scope_BranchId AND a.CompanyId = @scope_CompanyId", "[branch]");
        return sql.Length <= length ? sql : sql[..(length - 1)] + "…";
    }

    [GeneratedRegex(@"SELECT (?:(?! FROM ).){60,}? FROM ")]
    private static partial Regex ColumnList();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
