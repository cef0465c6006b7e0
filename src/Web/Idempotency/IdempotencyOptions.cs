namespace FieldCamp.Web.Idempotency;

/// <summary>Section <c>Idempotency</c>. The defaults are the documented contract; change them only for a reason.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a key is remembered after its first request.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A claim still open after this long belongs to a request whose process died (or that is hopelessly slow): the
    /// next request with the key takes it over instead of getting 409 for ever.
    /// </summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often expired keys are deleted.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The largest request body read to fingerprint it, and the largest response kept for replay. Taken from
    /// <c>Api:MaxBodyBytes</c>, the API's body limit, so a body the API accepts is never refused here.
    /// </summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;
}
