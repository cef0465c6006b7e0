using System.Threading.Channels;

namespace FieldCamp.Web.Usage;

/// <summary>One request made with a key, as the usage writer will store it.</summary>
internal readonly record struct UsageRecord(
    string KeyId, DateTime At, string Method, string Path, int Status, string? Ip, string? UserAgent, bool Authenticated);

/// <summary>Bound from <c>ApiKeys:Usage</c>.</summary>
public sealed class UsageOptions
{
    /// <summary>How long records gather before a batch is written; "last used" lags by at most about this much.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the per-key request log is kept.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Records waiting beyond this many are dropped (and counted) rather than slow requests down.</summary>
    public int QueueCapacity { get; set; } = 100_000;
}

/// <summary>
/// The request path's side of usage tracking: a bounded in-memory queue, so no request ever waits on a database
/// write. <see cref="UsageWriter"/> drains it in batches.
/// </summary>
internal sealed class UsageRecorder(TimeProvider time, Microsoft.Extensions.Options.IOptions<UsageOptions> options)
{
    private const int MaxFieldLength = 512;

    private readonly Channel<UsageRecord> _queue = Channel.CreateBounded<UsageRecord>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private long _dropped;

    public ChannelReader<UsageRecord> Reader => _queue.Reader;
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Record(string keyId, HttpContext context, bool authenticated)
    {
        var request = context.Request;
        var record = new UsageRecord(
            keyId,
            time.GetUtcNow().UtcDateTime,
            request.Method,
            Truncate(request.Path.Value ?? "/"),
            context.Response.StatusCode,
            context.Connection.RemoteIpAddress?.ToString(),
            Truncate(request.Headers.UserAgent.ToString()),
            authenticated);
        if (!_queue.Writer.TryWrite(record)) Interlocked.Increment(ref _dropped);
    }

    private static string Truncate(string value) => value.Length <= MaxFieldLength ? value : value[..MaxFieldLength];
}
