namespace FieldCamp.Web;

/// <summary>Bound from <c>RateLimits</c>: the allowance every company's keys share unless a key has its own.</summary>
public sealed class RateLimitDefaults
{
    public const string Section = "RateLimits";

    /// <summary>The shared limit of a company whose key policy sets none, in requests per <see cref="Window"/>.</summary>
    public int RequestsPerMinute { get; set; } = 600;

    /// <summary>
    /// How long each counting window lasts; limits are counted per window. A minute, as the limits are stated; shorter
    /// only for operators who want finer windows and accept that the figures then mean "per window".
    /// </summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
