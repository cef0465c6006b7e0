using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Usage;

/// <summary>One request made with a key, as the usage writer will store it (the IP is formatted there, off the request path).</summary>
internal readonly record struct UsageRecord(
    string KeyId, DateTime At, string Method, string Path, int Status, IPAddress? Ip, string? UserAgent, bool Authenticated);

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
internal sealed class UsageRecorder
{
    private const int MaxFieldLength = 512;

    private readonly TimeProvider _time;

    private readonly Channel<UsageRecord> _queue;
    private long _dropped;

    public UsageRecorder(TimeProvider time, IOptions<UsageOptions> options)
    {
        _time = time;
        // In DropWrite mode TryWrite succeeds even when the queue is full; only this callback tells a dropped record.
        _queue = Channel.CreateBounded<UsageRecord>(
            new BoundedChannelOptions(options.Value.QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    public ChannelReader<UsageRecord> Reader => _queue.Reader;

    /// <summary>How many requests were dropped since the last call; the writer reports them.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    public void Record(string keyId, HttpContext context, bool authenticated)
    {
        var request = context.Request;
        var record = new UsageRecord(
            keyId,
            _time.GetUtcNow().UtcDateTime,
            request.Method,
            Truncate(request.Path.Value ?? "/"),
            context.Response.StatusCode,
            context.Connection.RemoteIpAddress,
            Truncate(request.Headers.UserAgent.ToString()),
            authenticated);
        _queue.Writer.TryWrite(record);
    }

    private static string Truncate(string value) => value.Length <= MaxFieldLength ? value : value[..MaxFieldLength];
}
