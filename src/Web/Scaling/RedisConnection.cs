using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FieldCamp.Web.Scaling;

/// <summary>
/// The one connection to Redis of this process, opened in the background at start. It never blocks a request waiting
/// for Redis: until the first connection completes, and
/// while disconnected, commands fail at once (<see cref="BacklogPolicy.FailFast"/>) and callers fall back to what this
/// process knows, and the client reconnects by itself in the background. Connection changes are logged once each,
/// never per request.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    private readonly RedisOptions _options;
    private readonly bool _configured;
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lazy<Task<ConnectionMultiplexer>> _connecting;

    public RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger)
    {
        _options = options.Value;
        _configured = _options.IsConfigured;
        _logger = logger;
        _connecting = new(ConnectAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public bool IsConfigured => _configured;

    public string Prefix => _options.KeyPrefix;

    /// <summary>Null when Redis is not configured, or while the first connection attempt is still under way.</summary>
    public ConnectionMultiplexer? Multiplexer
    {
        get
        {
            if (!_configured) return null;
            var connecting = _connecting.Value;
            return connecting.IsCompletedSuccessfully ? connecting.Result : null;
        }
    }

    /// <summary>The connection, once the first attempt has ended (connected or retrying in the background).</summary>
    public Task<ConnectionMultiplexer> ConnectedAsync() =>
        _options.IsConfigured ? _connecting.Value : throw new InvalidOperationException("Redis:Configuration is not set.");

    /// <summary>Starts connecting without waiting (the web host calls this at start).</summary>
    public void Start()
    {
        if (_options.IsConfigured) _ = _connecting.Value;
    }

    /// <summary>Whether commands can be sent now (false when not configured).</summary>
    public bool IsConnected => Multiplexer?.IsConnected == true;

    public IDatabase Database => (Multiplexer ?? throw new InvalidOperationException("Redis:Configuration is not set.")).GetDatabase();

    public RedisChannel Channel(string name) => RedisChannel.Literal(_options.KeyPrefix + name);

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var configuration = ConfigurationOptions.Parse(_options.Configuration!);
        // Start even when Redis is away (the app serves without it) and keep retrying; never queue commands meanwhile,
        // or each request would wait for a timeout instead of falling back at once.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ClientName ??= $"fieldcamp-{Environment.MachineName}-{Environment.ProcessId}";
        // A bad configuration string is an operator's mistake: it throws here, and the start fails naming it.
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
        // "Reachable again" only after a loss was reported: the first connection (of every command-line run, too) is news to nobody.
        var lost = 0;
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType != ConnectionType.Interactive) return;
            Volatile.Write(ref lost, 1);
            _logger.LogWarning("Redis at {EndPoint} cannot be reached ({Failure}); limits and caches fall back to this process until it returns.",
                e.EndPoint, e.FailureType);
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && Interlocked.Exchange(ref lost, 0) == 1)
                _logger.LogInformation("Redis at {EndPoint} is reachable again.", e.EndPoint);
        };
        if (!multiplexer.IsConnected)
        {
            Volatile.Write(ref lost, 1);
            _logger.LogWarning("Redis ({EndPoints}) cannot be reached at start; limits and caches are this process's own until it can.",
                string.Join(", ", configuration.EndPoints));
        }
        return multiplexer;
    }

    public void Dispose()
    {
        if (_connecting.IsValueCreated && _connecting.Value.IsCompletedSuccessfully) _connecting.Value.Result.Dispose();
    }
}
