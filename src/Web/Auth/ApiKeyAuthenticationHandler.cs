using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Encodings.Web;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace FieldCamp.Web.Auth;

/// <summary>
/// Authenticates API requests by <c>Authorization: Bearer</c> or <c>X-Api-Key</c>. In order of cost: the header
/// shape, the key's format and checksum (no lookup; skipped for the key the connection sent last, see
/// <see cref="ConnectionKeyDigest"/>), the in-memory cache, and only then the database.
/// A legacy JWT is recognised by its shape and validated by <see cref="LegacyJwtValidator"/>.
/// A credential that fails is answered with its 401 right away, whatever the request asked for (see
/// <see cref="HandleRequestAsync"/>); a request with no credential goes on, and the endpoint's policy decides.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    CredentialCache keys,
    LegacyJwtValidator legacyJwt)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder), IAuthenticationRequestHandler
{
    private const string BearerPrefix = "Bearer ";

    // One result per failure: the reason travels as the failure message to HandleChallengeAsync. Never the credential.
    private static readonly Dictionary<string, AuthenticateResult> Failures = new[]
    {
        AuthFailureCodes.InvalidKey, AuthFailureCodes.KeyExpired, AuthFailureCodes.KeyRevoked, AuthFailureCodes.ConflictingCredentials,
    }.ToDictionary(code => code, AuthenticateResult.Fail);

    // The 401 bodies, serialized once: a flood of bad credentials is answered from memory. Every request gets the
    // same body for the same reason, so nothing per request (such as a trace id) belongs in it.
    private static readonly Dictionary<string, byte[]> FailureBodies = Failures.Keys.Append(AuthFailureCodes.MissingCredentials)
        .ToDictionary(code => code, code => JsonSerializer.SerializeToUtf8Bytes(ApiProblems.Unauthorized(code), ApiProblems.PrecomputedJsonOptions));

    private const string ProblemJson = "application/problem+json";
    private static readonly string Challenge = $"Bearer realm=\"{ApiKeyDefaults.Realm}\"";

    /// <summary>
    /// Called by the authentication middleware before anything else looks at an API request. A credential that is
    /// presented and fails (bad, unknown, expired, revoked, conflicting) ends the request here with its 401: nothing
    /// behind it could accept it, and a flood of bad keys costs no authorization round trip. The result is the same
    /// one the middleware's authenticate step reuses, so a credential is checked once per request.
    /// </summary>
    public async Task<bool> HandleRequestAsync()
    {
        if (!ApiKeyDefaults.IsApiRequest(Request)) return false;
        var result = await HandleAuthenticateOnceSafeAsync();
        if (result.Failure is null) return false;
        await ChallengeAsync(properties: null);
        return true;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers;
        var authorization = headers.Authorization;
        var bearer = BearerCredential(authorization);
        var apiKeyHeader = headers[ApiKeyDefaults.ApiKeyHeader];
        string? apiKey = apiKeyHeader.Count == 0 ? null : apiKeyHeader.ToString();

        if (bearer is null && apiKey is null) return AuthenticateResult.NoResult();
        if (bearer is not null && apiKey is not null && !string.Equals(bearer, apiKey, StringComparison.Ordinal))
            return Failures[AuthFailureCodes.ConflictingCredentials];

        var credential = (bearer ?? apiKey)!;
        if (bearer is not null && LegacyJwtValidator.LooksLikeJwt(credential))
        {
            var (success, accepted, failureCode) = await legacyJwt.ValidateAsync(credential);
            if (accepted is not null) Context.Features.Set<IApiCredentialFeature>(accepted);
            return success ?? Failures[failureCode!];
        }

        // Only Authorization: Kestrel reuses the strings of the headers it knows, and X-Api-Key is not one of them.
        var header = bearer is not null ? authorization.ToString() : null;
        byte[]? digest = null;
        var remembered = header is not null && ConnectionKeyDigest.TryGet(Context, header, out digest);
        if (digest is null)
        {
            if (!ApiKeySecret.IsWellFormed(credential))
                return Failures[AuthFailureCodes.InvalidKey];
            digest = ApiKeySecret.ComputeDigest(credential);
        }
        var key = await keys.FindAsync(digest);
        // The lookup matched on the digest already; the fixed-time re-check keeps the final decision
        // independent of how a dictionary or a database collation compares bytes.
        if (key is null || !CryptographicOperations.FixedTimeEquals(key.SecretHash, digest))
            return Failures[AuthFailureCodes.InvalidKey];
        // Only a key that exists is remembered: a flood of invented keys leaves nothing behind on its connections.
        if (header is not null && !remembered) ConnectionKeyDigest.Remember(Context, header, digest);

        if (key.RevokedAt is not null)
            return Refused(key, AuthFailureCodes.KeyRevoked);
        if (key.ExpiresAt <= TimeProvider.GetUtcNow().UtcDateTime)
            return Refused(key, AuthFailureCodes.KeyExpired);
        if (key.ExpiresAtHeader.Count > 0) Response.Headers[ApiKeyDefaults.ExpiresAtHeader] = key.ExpiresAtHeader;
        Context.Features.Set<IApiCredentialFeature>(key.Accepted);
        return key.Success;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var code = result.Failure?.Message is { } reason && Failures.ContainsKey(reason) ? reason : AuthFailureCodes.MissingCredentials;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = Challenge;
        // problem+json whatever Accept says, like every API error (see ApiProblemWriter).
        var body = FailureBodies[code];
        Response.ContentType = ProblemJson;
        Response.ContentLength = body.Length;
        await Response.Body.WriteAsync(body);
    }

    /// <summary>The credential after <c>Bearer </c>; null when there is no Authorization header or it carries another scheme.</summary>
    private static string? BearerCredential(StringValues authorization)
    {
        if (authorization.Count == 0) return null;
        var value = authorization.ToString();
        // Another scheme (a gateway's own Basic auth, say) is not ours to judge; X-Api-Key may still carry a key.
        return value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) ? value[BearerPrefix.Length..] : null;
    }

    /// <summary>A key that exists but may no longer be used: named on the request, so its usage log shows the attempt.</summary>
    private AuthenticateResult Refused(CachedKey key, string code)
    {
        Context.Features.Set<IApiCredentialFeature>(key.Accepted with { Accepted = false });
        return Failures[code];
    }
}
