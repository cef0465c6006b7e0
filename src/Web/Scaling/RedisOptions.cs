namespace FieldCamp.Web.Scaling;

/// <summary>
/// Bound from <c>Redis</c>. Without <see cref="Configuration"/> the app runs alone, exactly as before: counters, the key
/// cache and the Data Protection keys stay in this process.
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis1:6379,password=…,ssl=true</c>.</summary>
    public string? Configuration { get; set; }

    /// <summary>Put before every key and channel name, so several installations can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "fieldcamp:";

    /// <summary>How often each instance says it is alive; it counts as gone after three missed beats.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);
}
