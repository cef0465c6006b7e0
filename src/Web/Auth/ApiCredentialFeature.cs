using Microsoft.Extensions.Primitives;

namespace FieldCamp.Web.Auth;

/// <summary>
/// The credential an API request presented, as the authentication handler established it. Everything that acts on
/// who is calling (usage recording, rate limiting, idempotency, the response headers) reads this feature, so the
/// handler only ever answers "who is this?".
/// </summary>
public interface IApiCredentialFeature
{
    /// <summary>The credential, its company and branch, its scopes and expiry.</summary>
    ApiCaller Caller { get; }

    /// <summary>The API key's id; null for a legacy token, which has no key to count against.</summary>
    string? KeyId { get; }

    /// <summary>The key's own requests-per-minute override; null when it shares its company's allowance.</summary>
    int? RateLimitPerMinute { get; }

    /// <summary>False for a key that exists but was refused (revoked or expired): the request is answered 401.</summary>
    bool Accepted { get; }

    /// <summary>The <see cref="ApiKeyDefaults.ExpiresAtHeader"/> value every answer carries; empty when it never expires.</summary>
    StringValues ExpiresAtHeader { get; }
}

internal sealed record ApiCredentialFeature(ApiCaller Caller, string? KeyId, int? RateLimitPerMinute, bool Accepted)
    : IApiCredentialFeature
{
    public StringValues ExpiresAtHeader { get; init; }
}
