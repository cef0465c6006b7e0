using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Encodings.Web;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Api;
using FieldCamp.Web.Data;
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
/// Failures are counted per client address by <see cref="FailedCredentialThrottle"/>, which also does their logging:
/// none per request. A database that cannot be reached gives 503, never a 401 that would tell the caller its key is bad.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    CredentialCache keys,
    LegacyJwtValidator legacyJwt,
    FailedCredentialThrottle throttle,
    StoreOutage outage)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder), IAuthenticationRequestHandler, IAuthenticationHandler
{
    private const string BearerPrefix = "Bearer ";

    // One result per failure: the reason travels as the failure message to HandleChallengeAsync. Never the credential.
    private static readonly Dictionary<string, AuthenticateResult> Failures = new[]
    {
        AuthFailureCodes.InvalidKey, AuthFailureCodes.KeyExpired, AuthFailureCodes.KeyRevoked, AuthFailureCodes.ConflictingCredentials,
        AuthFailureCodes.AmbiguousCredential,
    }.ToDictionary(code => code, AuthenticateResult.Fail);

    // The 401 bodies, serialized once: a flood of bad credentials is answered from memory. Every request gets the
    // same body for the same reason, so nothing per request (such as a trace id) belongs in it.
    private static readonly Dictionary<string, byte[]> FailureBodies = Failures.Keys.Append(AuthFailureCodes.MissingCredentials)
        .ToDictionary(code => code, code => ApiProblems.Precompute(ApiProblems.Unauthorized(code)));

    // Not a credential failure: the store could not say. Answered 503 and never counted against the client.
    private const string StoreUnavailable = "service_unavailable";
    private static readonly AuthenticateResult StoreUnavailableResult = AuthenticateResult.Fail(StoreUnavailable);
    // Not a credential failure either: too many unknown keys wait for a lookup (KnownDigests.MaxWaiting). Not an outage.
    private const string LookupBusy = "lookup_busy";
    private static readonly AuthenticateResult LookupBusyResult = AuthenticateResult.Fail(LookupBusy);

    private static readonly byte[] TooManyFailuresBody = ApiProblems.Precompute(ApiProblems.TooManyFailedCredentials());
    private static readonly byte[] StoreUnavailableBody = ApiProblems.Precompute(ApiProblems.ServiceUnavailable());
    private static readonly byte[] LookupBusyBody = ApiProblems.Precompute(ApiProblems.KeyLookupBusy());

    private static readonly string Challenge = $"Bearer realm=\"{ApiKeyDefaults.Realm}\"";

    /// <summary>
    /// Called by the authentication middleware before anything else looks at an API request. A credential that is
    /// presented and fails (bad, unknown, expired, revoked, conflicting, sent twice) ends the request here with its 401: nothing
    /// behind it could accept it, and a flood of bad keys costs no authorization round trip. The result is the same
    /// one the middleware's authenticate step reuses, so a credential is checked once per request.
    /// A client over its failed-credential allowance is answered 429 before its credential is checked at all, unless
    /// it presents a key this process already knows (so a working integration behind the same address keeps working).
    /// </summary>
    public async Task<bool> HandleRequestAsync()
    {
        if (!ApiKeyDefaults.IsApiRequest(Request)) return false;
        var client = ClientAddress.Of(Context);
        if (throttle.IsExhausted(client, out var retryAfter) && !MayBeChecked())
        {
            throttle.Refused(client);
            await WriteTooManyFailuresAsync(retryAfter);
            return true;
        }

        var result = await HandleAuthenticateOnceSafeAsync();
        if (result.Failure is null) return false;
        // Anything but a known failure is an exception the authentication middleware caught: answering it with a 401
        // would blame the caller's key. Thrown again, the exception handler answers it (503 for a store failure).
        var code = FailureCode(result);
        if (code is null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(result.Failure);
        if (code == StoreUnavailable)
        {
            Response.Headers.RetryAfter = StoreOutage.RetryAfter;
            await ApiProblems.WritePrecomputedAsync(Response, StatusCodes.Status503ServiceUnavailable, StoreUnavailableBody);
        }
        else if (code == LookupBusy)
        {
            Response.Headers.RetryAfter = ApiProblems.KeyLookupBusyRetryAfter;
            await ApiProblems.WritePrecomputedAsync(Response, StatusCodes.Status503ServiceUnavailable, LookupBusyBody);
        }
        else if (throttle.Failed(client, code, out retryAfter))
            await WriteTooManyFailuresAsync(retryAfter);
        else
            await WriteUnauthorizedAsync(code);
        return true;
    }

    /// <summary>
    /// The scheme's challenge without <see cref="AuthenticationHandler{TOptions}.ChallengeAsync"/>, which logs
    /// "AuthenticationScheme: ApiKey was challenged." at Information for every 401. Requests outside the API are
    /// forwarded to the cookie scheme as before.
    /// </summary>
    Task IAuthenticationHandler.ChallengeAsync(AuthenticationProperties? properties) =>
        ApiKeyDefaults.IsApiRequest(Request) ? HandleChallengeAsync(properties ?? new AuthenticationProperties()) : ChallengeAsync(properties);

    /// <summary>
    /// For a client over its allowance: whether its credential still deserves a check, because none is presented
    /// (the endpoint's policy answers) or it is a key this process has seen. Costs one SHA-256 at most, no
    /// checksum and no database read.
    /// </summary>
    private bool MayBeChecked()
    {
        var headers = Request.Headers;
        var authorization = headers.Authorization;
        var bearer = BearerCredential(authorization);
        var apiKeyHeader = headers[ApiKeyDefaults.ApiKeyHeader];
        if (bearer is null && apiKeyHeader.Count == 0) return true;
        if (ConnectionKeyDigest.TryGet(Context, bearer is not null ? authorization.ToString() : apiKeyHeader.ToString(), out _)) return true;
        ReadOnlySpan<char> credential = bearer ?? apiKeyHeader.ToString();
        if (credential.Length != ApiKeySecret.Length || !credential.StartsWith(ApiKeySecret.LivePrefix, StringComparison.Ordinal))
            return false;
        var digest = new byte[ApiKeySecret.DigestBytes];
        ApiKeySecret.ComputeDigest(credential, digest);
        if (!keys.Knows(digest)) return false;
        _knownDigest = digest;
        return true;
    }

    // The digest MayBeChecked computed for a key this process knows, so authenticating it does not hash it again.
    private byte[]? _knownDigest;

    private Task WriteTooManyFailuresAsync(TimeSpan retryAfter)
    {
        // Whole seconds, rounded up: a client that waits exactly this long finds the window over.
        Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ApiProblems.WritePrecomputedAsync(Response, StatusCodes.Status429TooManyRequests, TooManyFailuresBody);
    }

    private Task WriteUnauthorizedAsync(string code)
    {
        Response.Headers.WWWAuthenticate = Challenge;
        return ApiProblems.WritePrecomputedAsync(Response, StatusCodes.Status401Unauthorized, FailureBodies[code]);
    }

    /// <summary>The failure's code: one of <see cref="Failures"/>, <see cref="StoreUnavailable"/>, or null for an exception.</summary>
    private static string? FailureCode(AuthenticateResult result) => result.Failure?.Message switch
    {
        null => AuthFailureCodes.MissingCredentials,
        StoreUnavailable => StoreUnavailable,
        LookupBusy => LookupBusy,
        { } reason when Failures.ContainsKey(reason) => reason,
        _ => null,
    };

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers;
        var authorization = headers.Authorization;
        var bearer = BearerCredential(authorization);
        var apiKeyHeader = headers[ApiKeyDefaults.ApiKeyHeader];
        // A header sent twice holds two credentials joined by a comma: which one was meant is not ours to guess. Counted
        // as a failure like any unusable credential (an attacker can repeat it as cheaply as a bad key).
        if (authorization.Count > 1 || apiKeyHeader.Count > 1) return Failures[AuthFailureCodes.AmbiguousCredential];
        string? apiKey = apiKeyHeader.Count == 0 ? null : apiKeyHeader.ToString();

        if (bearer is null && apiKey is null) return AuthenticateResult.NoResult();
        if (bearer is not null && apiKey is not null && !string.Equals(bearer, apiKey, StringComparison.Ordinal))
            return Failures[AuthFailureCodes.ConflictingCredentials];

        var credential = (bearer ?? apiKey)!;
        if (bearer is not null && LegacyJwtValidator.LooksLikeJwt(credential))
        {
            (AuthenticateResult? success, ApiCredentialFeature? accepted, string? failureCode) outcome;
            try
            {
                outcome = await legacyJwt.ValidateAsync(credential);
            }
            catch (Exception ex) when (StoreOutage.IsStoreFailure(ex))
            {
                outage.Report(ex, "authenticating a legacy token");
                return StoreUnavailableResult;
            }
            var (success, accepted, failureCode) = outcome;
            if (accepted is not null) Context.Features.Set<IApiCredentialFeature>(accepted);
            return success ?? Failures[failureCode!];
        }

        var header = bearer is not null ? authorization.ToString() : apiKey!;
        byte[]? digest = null;
        var remembered = ConnectionKeyDigest.TryGet(Context, header, out digest);
        if (digest is null && _knownDigest is not null)
            digest = _knownDigest;
        if (digest is null)
        {
            if (!ApiKeySecret.IsWellFormed(credential))
                // A proxy may fold a repeated header into one line, "key1, key2": looked for only once the key is refused.
                return Failures[credential.Contains(',') ? AuthFailureCodes.AmbiguousCredential : AuthFailureCodes.InvalidKey];
            digest = ApiKeySecret.ComputeDigest(credential);
        }
        CachedKey? key;
        try
        {
            key = await keys.FindAsync(digest);
        }
        catch (Exception ex) when (StoreOutage.IsStoreFailure(ex))
        {
            outage.Report(ex, "authenticating an API key");
            return StoreUnavailableResult;
        }
        catch (KeyLookupBusyException)
        {
            return LookupBusyResult;
        }
        // The lookup matched on the digest already; the fixed-time re-check keeps the final decision
        // independent of how a dictionary or a database collation compares bytes.
        if (key is null || !CryptographicOperations.FixedTimeEquals(key.SecretHash, digest))
            return Failures[AuthFailureCodes.InvalidKey];
        // Only a key that exists is remembered: a flood of invented keys leaves nothing behind on its connections.
        if (!remembered) ConnectionKeyDigest.Remember(Context, header, digest);

        if (key.RevokedAt is not null)
            return Refused(key, AuthFailureCodes.KeyRevoked);
        if (key.ExpiresAt <= TimeProvider.GetUtcNow().UtcDateTime)
            return Refused(key, AuthFailureCodes.KeyExpired);
        Context.Features.Set<IApiCredentialFeature>(key.Accepted);
        return key.Success;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var code = FailureCode(result);
        await WriteUnauthorizedAsync(code is null or StoreUnavailable or LookupBusy ? AuthFailureCodes.MissingCredentials : code);
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
