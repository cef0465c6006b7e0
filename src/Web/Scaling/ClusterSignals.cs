using System.Buffers.Binary;
using System.Globalization;
using StackExchange.Redis;

namespace FieldCamp.Web.Scaling;

/// <summary>Names of the dashboard events (<see cref="ClusterSignals.Dashboard"/>) and what their subject is.</summary>
internal static class DashboardEvents
{
    /// <summary>A company's notices changed; the subject is the company id.</summary>
    public const string Notices = "notices";

    /// <summary>A rotation's replacement key was seen in use; the subject is the old key's id (the wizard's address).</summary>
    public const string RotationSeen = "rotation-seen";
}

/// <summary>
/// Tells the other instances, through Redis pub/sub, what this one changed, and hands on what they changed: a key
/// (revoked, edited, rotated, its expiry moved) whose cached copy must be read again, a company whose shared limit
/// changed, a dashboard event. Messages name the first 8 bytes of a key's digest (what the key caches look entries up
/// by, and never enough to use a key), a company id or an event name: never a secret. Published after the database
/// commit, so an instance that reads again on receipt reads the change. Without Redis configured every method here
/// does nothing, and the events never fire.
/// </summary>
/// <remarks>
/// While this instance is not subscribed (<see cref="IsLive"/> false) it may miss messages, so the key cache trusts its
/// entries only for the short <c>ApiKeys:Cache:MaxEntryAge</c>; when the subscription comes back, <see cref="Resync"/>
/// fires and every cached key is read again. A change this instance could not announce is announced, as "read every
/// key again", as soon as Redis answers again.
/// </remarks>
internal sealed class ClusterSignals(RedisConnection redis, ILogger<ClusterSignals> logger)
{
    private const string KeysChannel = "keys";
    private const string DashboardChannel = "dashboard";
    private const char KeyMessage = 'k', CompanyMessage = 'c', EverythingMessage = '*';

    // Lets an instance skip its own messages: it applied them before publishing.
    private readonly string _self = Guid.NewGuid().ToString("N")[..12];
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _pending = [];
    private volatile bool _live;
    private volatile bool _unsent;

    /// <summary>Another instance changed the key whose digest starts with these 8 bytes (see <see cref="Auth.KnownDigests.Prefix"/>).</summary>
    public event Action<ulong>? KeyChanged;

    /// <summary>Another instance saved this company's key policy (its shared limit may have changed).</summary>
    public event Action<string>? CompanyLimitChanged;

    /// <summary>Messages may have been missed (the subscription came back, or someone could not announce a change).</summary>
    public event Action? Resync;

    /// <summary>A dashboard event from any instance, this one included: its name and the company it concerns.</summary>
    public event Action<string, string>? DashboardEvent;

    public bool IsConfigured => redis.IsConfigured;

    /// <summary>True while this instance is subscribed and so hears every change as it is published.</summary>
    public bool IsLive => _live;

    /// <summary>Announces that the key with this digest changed (after the change is committed).</summary>
    public void KeyChangedHere(ReadOnlySpan<byte> digest)
    {
        if (!redis.IsConfigured) return;
        Publish(KeysChannel, string.Create(CultureInfo.InvariantCulture, $"{_self}|{KeyMessage}|{Auth.KnownDigests.Prefix(digest):x16}"));
    }

    /// <summary>Announces that this company's key policy was saved.</summary>
    public void CompanyLimitChangedHere(string companyId)
    {
        if (!redis.IsConfigured) return;
        Publish(KeysChannel, $"{_self}|{CompanyMessage}|{companyId}");
    }

    /// <summary>Announces a dashboard event to every instance, this one included (which raises it when the message returns).</summary>
    public void Dashboard(string name, string companyId)
    {
        if (!redis.IsConfigured)
        {
            DashboardEvent?.Invoke(name, companyId);
            return;
        }
        Publish(DashboardChannel, $"{_self}|{name}|{companyId}", remember: false);
        // Not connected: the message is lost, so raise it here at least; pages elsewhere still refresh on their timers.
        if (!redis.IsConnected) DashboardEvent?.Invoke(name, companyId);
    }

    /// <summary>Waits, up to <paramref name="timeout"/>, for what was published to reach Redis; false if some did not.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        Task[] pending;
        lock (_gate) pending = [.. _pending];
        try
        {
            await Task.WhenAll(pending).WaitAsync(timeout);
        }
        catch (Exception)
        {
            return false;
        }
        return !_unsent;
    }

    /// <summary>Subscribes (the web host only; the command line just publishes) and keeps <see cref="IsLive"/> true while subscribed.</summary>
    public async Task SubscribeAsync()
    {
        var multiplexer = await redis.ConnectedAsync();
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription) _live = false;
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                // Anything published meanwhile was missed: read every key again rather than trust what may be stale.
                Resync?.Invoke();
                _live = true;
            }
            if (e.ConnectionType == ConnectionType.Interactive && _unsent) AnnounceUnsent();
        };
        var subscriber = multiplexer.GetSubscriber();
        // The library subscribes again by itself after a reconnect; these calls only register the handlers.
        await TrySubscribeAsync(subscriber, redis.Channel(KeysChannel), OnKeysMessage);
        await TrySubscribeAsync(subscriber, redis.Channel(DashboardChannel), OnDashboardMessage);
        _live = multiplexer.IsConnected;
    }

    private async Task TrySubscribeAsync(ISubscriber subscriber, RedisChannel channel, Action<RedisChannel, RedisValue> handler)
    {
        try
        {
            await subscriber.SubscribeAsync(channel, handler);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Away at start: the handler is registered all the same, and subscribed when the connection comes up.
            logger.LogDebug("Subscribing to {Channel} waits for Redis.", channel);
        }
    }

    private void OnKeysMessage(RedisChannel channel, RedisValue value)
    {
        var message = ((string?)value).AsSpan();
        if (!TrySplit(message, out var sender, out var kind, out var body) || sender.SequenceEqual(_self)) return;
        switch (kind)
        {
            case KeyMessage when ulong.TryParse(body, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var prefix):
                KeyChanged?.Invoke(prefix);
                break;
            case CompanyMessage:
                CompanyLimitChanged?.Invoke(body.ToString());
                break;
            case EverythingMessage:
                Resync?.Invoke();
                break;
        }
    }

    private void OnDashboardMessage(RedisChannel channel, RedisValue value)
    {
        var message = ((string?)value).AsSpan();
        var first = message.IndexOf('|');
        if (first < 0) return;
        var rest = message[(first + 1)..];
        var second = rest.IndexOf('|');
        if (second <= 0) return;
        DashboardEvent?.Invoke(rest[..second].ToString(), rest[(second + 1)..].ToString());
    }

    private static bool TrySplit(ReadOnlySpan<char> message, out ReadOnlySpan<char> sender, out char kind, out ReadOnlySpan<char> body)
    {
        sender = body = default;
        kind = default;
        var first = message.IndexOf('|');
        if (first < 0 || message.Length < first + 3 || message[first + 2] != '|') return false;
        sender = message[..first];
        kind = message[first + 1];
        body = message[(first + 3)..];
        return true;
    }

    private void Publish(string channel, string message, bool remember = true)
    {
        Task sent;
        try
        {
            // Not connected yet (the first attempt is under way): as good as a failed publish.
            if (redis.Multiplexer?.GetSubscriber() is not { } subscriber)
            {
                if (remember) Unsent();
                return;
            }
            sent = subscriber.PublishAsync(redis.Channel(channel), message);
        }
        catch (RedisException) when (remember)
        {
            Unsent();
            return;
        }
        catch (RedisException)
        {
            return;
        }
        lock (_gate) _pending.Add(sent);
        sent.ContinueWith(task =>
        {
            lock (_gate) _pending.Remove(task);
            if (task.IsFaulted && remember) Unsent();
            _ = task.Exception; // observed: the failure is reported by Unsent, once
        }, TaskScheduler.Default);
    }

    private void Unsent()
    {
        if (_unsent) return;
        _unsent = true;
        logger.LogWarning("A key change could not be announced through Redis. Other instances notice it when they next re-read the key "
                          + "(ApiKeys:Cache:MaxEntryAgeWhileSubscribed at most), and are told to re-read every key once Redis answers this instance again.");
        // Reconnected in between (the failure raced the restore): announce now rather than wait for the next failure.
        if (redis.IsConnected) AnnounceUnsent();
    }

    private void AnnounceUnsent()
    {
        var subscriber = redis.Multiplexer?.GetSubscriber();
        if (subscriber is null) return;
        _unsent = false;
        subscriber.PublishAsync(redis.Channel(KeysChannel), $"{_self}|{EverythingMessage}|").ContinueWith(task =>
        {
            if (task.IsFaulted) _unsent = true;
        }, TaskScheduler.Default);
    }
}
