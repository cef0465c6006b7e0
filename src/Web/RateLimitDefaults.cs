namespace FieldCamp.Web;

/// <summary>Bound from <c>RateLimits</c>: the allowance every company's keys share unless a key has its own.</summary>
public sealed class RateLimitDefaults
{
    public const string Section = "RateLimits";

    public int RequestsPerMinute { get; set; } = 600;
}
