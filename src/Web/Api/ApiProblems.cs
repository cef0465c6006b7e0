using System.Text.Encodings.Web;
using System.Text.Json;
using FieldCamp.Web.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FieldCamp.Web.Api;

/// <summary>
/// Every API error is RFC 9457 problem+json with a stable <c>code</c>. Messages are written here, once;
/// none of them ever echoes a credential back.
/// </summary>
internal static class ApiProblems
{
    public const string CodeKey = "code";

    /// <summary>
    /// How problem bodies are written: the API's options with a relaxed encoder, so "it's" and "→" read as they are in
    /// a terminal instead of \u0027 and \u2192. Problem bodies are never embedded in HTML, and carry no client input.
    /// </summary>
    public static JsonSerializerOptions JsonOptions(JsonSerializerOptions api) =>
        new(api) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The web defaults with the relaxed encoder, for bodies serialized ahead of time.</summary>
    public static readonly JsonSerializerOptions PrecomputedJsonOptions = JsonOptions(JsonSerializerOptions.Web);

    /// <summary>A problem serialized once, ahead of time, for an answer a flood may ask for (401, 429, 503).</summary>
    public static byte[] Precompute(ProblemDetails problem) => JsonSerializer.SerializeToUtf8Bytes(problem, PrecomputedJsonOptions);

    /// <summary>Writes a <see cref="Precompute"/>d problem as problem+json, whatever Accept says, like every API error.</summary>
    public static Task WritePrecomputedAsync(HttpResponse response, int status, byte[] body)
    {
        response.StatusCode = status;
        response.ContentType = "application/problem+json";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, response.HttpContext.RequestAborted).AsTask();
    }

    /// <summary>A 401, complete with the type and title the framework would fill in (it is serialized once, ahead of time).</summary>
    public static ProblemDetails Unauthorized(string code) => Create(StatusCodes.Status401Unauthorized, code, code switch
    {
        AuthFailureCodes.MissingCredentials =>
            "Send an API key as 'Authorization: Bearer <key>' or in the 'X-Api-Key' header.",
        AuthFailureCodes.ConflictingCredentials =>
            "The Authorization and X-Api-Key headers carry different credentials. Send only one.",
        AuthFailureCodes.AmbiguousCredential => "Send one API key, in Authorization: Bearer or X-Api-Key, once.",
        AuthFailureCodes.KeyExpired => "This credential has expired. Create a new key in Settings → Developer → API Keys.",
        AuthFailureCodes.KeyRevoked => "This API key was revoked and can no longer be used.",
        _ => "The credential is not a valid API key. Check that it was copied whole, including the fc_live_ prefix.",
    }, type: "https://tools.ietf.org/html/rfc9110#section-15.5.2", title: "Unauthorized");

    public static ProblemDetails InsufficientScope(IReadOnlyList<string> missingScopes, string? detail = null)
    {
        var problem = Create(StatusCodes.Status403Forbidden, ProblemCodes.InsufficientScope,
            detail ?? $"This key lacks the scope{(missingScopes.Count == 1 ? "" : "s")} {string.Join(", ", missingScopes)}.");
        problem.Extensions["missingScopes"] = missingScopes;
        return problem;
    }

    public static ProblemHttpResult NotFound(string what = "resource") =>
        TypedResults.Problem(Create(StatusCodes.Status404NotFound, ProblemCodes.NotFound, $"No {what} with that id exists here."));

    public static ProblemHttpResult Forbidden(IReadOnlyList<string> scopes, string detail) =>
        TypedResults.Problem(InsufficientScope(scopes, detail));

    public static ProblemHttpResult Conflict(string code, string detail) =>
        TypedResults.Problem(Create(StatusCodes.Status409Conflict, code, detail));

    public static ValidationProblem Validation(IReadOnlyDictionary<string, string[]> errors, string? detail = null)
    {
        var result = TypedResults.ValidationProblem(errors, detail ?? "One or more fields are invalid.",
            extensions: new Dictionary<string, object?> { [CodeKey] = ProblemCodes.ValidationFailed });
        return result;
    }

    /// <summary>A request header that does not parse: a 400 like any invalid field, the header named as the field.</summary>
    public static HttpValidationProblemDetails InvalidHeader(string header, string message)
    {
        var problem = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [header] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Detail = $"The {header} header is invalid.",
        };
        problem.Extensions[CodeKey] = ProblemCodes.ValidationFailed;
        return problem;
    }

    public static ProblemDetails PayloadTooLarge(long maxBytes) => Create(StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge,
        $"The request body is larger than the {maxBytes} bytes allowed.");

    public static ProblemDetails UnsupportedMediaType() => Create(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType,
        "Send the body as JSON, with 'Content-Type: application/json'.");

    public static ProblemDetails IdempotencyKeyReused() => Create(StatusCodes.Status422UnprocessableEntity, ProblemCodes.IdempotencyKeyReused,
        "This Idempotency-Key was already used for a different request (method, path or body). Send a new key with a new request.");

    public static ProblemDetails IdempotencyKeyInFlight() => Create(StatusCodes.Status409Conflict, ProblemCodes.IdempotencyKeyInFlight,
        "A request with this Idempotency-Key is still being processed. Retry shortly to get its response.");

    /// <summary>
    /// A 429 for the policy whose allowance is spent ("company" or "key"), complete with type and title: it is
    /// serialized once, ahead of time. When to come back is in the Retry-After header.
    /// </summary>
    public static ProblemDetails RateLimited(string policy)
    {
        var problem = Create(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, policy == "key"
                ? "This key has used its own allowance for the current window. Retry after the number of seconds in the Retry-After header."
                : "This company's keys have used their shared allowance for the current window. Retry after the number of seconds in the Retry-After header.",
            type: "https://tools.ietf.org/html/rfc6585#section-4", title: "Too Many Requests");
        problem.Extensions["violatedPolicies"] = new[] { policy };
        return problem;
    }
    /// <summary>Too many failed credentials from one client address this minute; serialized once, ahead of time.</summary>
    public static ProblemDetails TooManyFailedCredentials() => Create(StatusCodes.Status429TooManyRequests, FailedCredentialThrottle.TooManyFailuresCode,
        "Too many requests from this address presented a credential that was refused. Credentials are not checked until " +
        "the time in Retry-After has passed; keys this server has already seen keep working.",
        type: "https://tools.ietf.org/html/rfc6585#section-4", title: "Too Many Requests");

    /// <summary>The database could not be reached; nothing was decided about the credential. Serialized once, ahead of time.</summary>
    public static ProblemDetails ServiceUnavailable() => Create(StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable,
        "The service cannot reach its data store right now. Retry after the time in Retry-After; this says nothing about your credential.",
        type: "https://tools.ietf.org/html/rfc9110#section-15.6.4", title: "Service Unavailable");

    /// <summary>Seconds to wait after <see cref="KeyLookupBusy"/>: the queue of lookups drains in well under a second.</summary>
    public const string KeyLookupBusyRetryAfter = "1";

    public static ProblemDetails KeyLookupBusy() => Create(StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable,
        "The service is checking too many unrecognised credentials right now. Retry after the time in Retry-After; this says nothing about your credential.",
        type: "https://tools.ietf.org/html/rfc9110#section-15.6.4", title: "Service Unavailable");

    public static ProblemDetails Create(int status, string code, string detail, string? type = null, string? title = null)
    {
        var problem = new ProblemDetails { Status = status, Detail = detail, Type = type, Title = title };
        problem.Extensions[CodeKey] = code;
        return problem;
    }

    /// <summary>The code a problem gets when whoever produced it (the framework, mostly) did not set one.</summary>
    public static string DefaultCode(int status) => status switch
    {
        400 => ProblemCodes.ValidationFailed,
        401 => AuthFailureCodes.MissingCredentials,
        403 => ProblemCodes.Forbidden,
        404 => ProblemCodes.NotFound,
        405 => ProblemCodes.MethodNotAllowed,
        409 => ProblemCodes.Conflict,
        413 => ProblemCodes.PayloadTooLarge,
        415 => ProblemCodes.UnsupportedMediaType,
        429 => ProblemCodes.RateLimited,
        503 => ProblemCodes.ServiceUnavailable,
        _ when status >= 500 => ProblemCodes.InternalError,
        _ => ProblemCodes.Error,
    };
}

/// <summary>
/// Every <c>code</c> an API problem can carry, by the status it comes with: the one list the OpenAPI document's problem
/// schemas are built from (ApiDocument). A new code goes here, next to the factory above that writes it.
/// </summary>
internal static class ProblemCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string InsufficientScope = "insufficient_scope";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string InvalidState = "invalid_state";
    public const string Conflict = "conflict";
    public const string IdempotencyKeyInFlight = "idempotency_key_in_flight";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RateLimited = "rate_limited";
    public const string InvalidSignature = "invalid_signature";
    public const string ServiceUnavailable = "service_unavailable";
    public const string InternalError = "internal_error";
    public const string Error = "error";

    public static readonly IReadOnlyDictionary<int, IReadOnlyList<string>> ByStatus = new Dictionary<int, IReadOnlyList<string>>
    {
        [StatusCodes.Status400BadRequest] = [ValidationFailed],
        [StatusCodes.Status401Unauthorized] =
        [
            AuthFailureCodes.MissingCredentials, AuthFailureCodes.InvalidKey, AuthFailureCodes.KeyExpired,
            AuthFailureCodes.KeyRevoked, AuthFailureCodes.ConflictingCredentials, AuthFailureCodes.AmbiguousCredential, InvalidSignature,
        ],
        [StatusCodes.Status403Forbidden] = [InsufficientScope, Forbidden],
        [StatusCodes.Status404NotFound] = [NotFound],
        [StatusCodes.Status405MethodNotAllowed] = [MethodNotAllowed],
        [StatusCodes.Status409Conflict] = [InvalidState, IdempotencyKeyInFlight, Conflict],
        [StatusCodes.Status413PayloadTooLarge] = [PayloadTooLarge],
        [StatusCodes.Status415UnsupportedMediaType] = [UnsupportedMediaType],
        [StatusCodes.Status422UnprocessableEntity] = [IdempotencyKeyReused],
        [StatusCodes.Status429TooManyRequests] = [RateLimited, FailedCredentialThrottle.TooManyFailuresCode],
        [StatusCodes.Status500InternalServerError] = [InternalError],
        [StatusCodes.Status503ServiceUnavailable] = [ServiceUnavailable],
    };

    /// <summary>Every code, each once, in the order of <see cref="ByStatus"/>.</summary>
    public static IEnumerable<string> All => ByStatus.Values.SelectMany(codes => codes).Append(Error).Distinct();
}
