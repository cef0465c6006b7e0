using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using FieldCamp.Web.Api;
using FieldCamp.Web.Auth;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace FieldCamp.Web.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on API writes: the first request with a key runs and its response is kept 24 hours;
/// the same request again gets that response back (<c>Idempotent-Replayed: true</c>) without running; another
/// request with the key is refused (422), and so is one arriving while the first still runs (409). It runs after
/// authorization, so a request refused for its credential, scope or rate never claims a key; a request that runs
/// and is refused anyway (see <see cref="IsKept"/>) gives its key back. Requests without the header pass untouched.
/// </summary>
internal sealed class IdempotencyMiddleware(
    RequestDelegate next, IdempotencyStore store, IOptions<IdempotencyOptions> options, IProblemDetailsService problems,
    ILogger<IdempotencyMiddleware> logger)
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    // Not async itself: every request passes through here, and almost none carry the header.
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        return request.Headers.TryGetValue(IdempotencyKeyHeader.Name, out var header) && IsApiWrite(request)
            && context.Features.Get<IApiCredentialFeature>() is { Accepted: true } credential
            ? RunOnceAsync(context, header, credential)
            : next(context);
    }

    private async Task RunOnceAsync(HttpContext context, StringValues header, IApiCredentialFeature credential)
    {
        var request = context.Request;
        if (!IdempotencyKeyHeader.TryParse(header, out var key))
        {
            await WriteProblemAsync(context, ApiProblems.InvalidHeader(IdempotencyKeyHeader.Name, IdempotencyKeyHeader.Rule));
            return;
        }

        var limit = Math.Min(options.Value.MaxBodyBytes, context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? long.MaxValue);
        var body = request.ContentLength > limit ? null : await ReadBoundedAsync(request.Body, limit, context.RequestAborted);
        if (body is null)
        {
            await WriteProblemAsync(context, ApiProblems.PayloadTooLarge(limit));
            return;
        }
        request.Body = new MemoryStream(body, writable: false);

        var scope = ScopeOf(credential);
        var fingerprint = Fingerprint(request.Method, $"{request.PathBase}{request.Path}{request.QueryString}", body);
        var claim = await store.ClaimAsync(scope, key, fingerprint, context.RequestAborted);
        switch (claim.Outcome)
        {
            case ClaimOutcome.Reused:
                await WriteProblemAsync(context, ApiProblems.IdempotencyKeyReused());
                return;
            case ClaimOutcome.InFlight:
                context.Response.Headers.RetryAfter = "1";
                await WriteProblemAsync(context, ApiProblems.IdempotencyKeyInFlight());
                return;
            case ClaimOutcome.Replay:
                await ReplayAsync(context, claim.Stored!);
                return;
        }

        await RunAndKeepAsync(context, scope, key, claim.ClaimId, limit);
    }

    private async Task RunAndKeepAsync(HttpContext context, string scope, string key, string claimId, long limit)
    {
        var clientBody = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        using var buffer = new ResponseBuffer(clientBody.Stream, limit);
        var capture = new StreamResponseBodyFeature(buffer, clientBody);
        context.Features.Set<IHttpResponseBodyFeature>(capture);
        try
        {
            await next(context);
            await capture.CompleteAsync(); // flushes what the endpoint wrote through the pipe writer into the buffer
        }
        catch
        {
            // The exception handler answers on the client's own body; the request may run again with this key.
            context.Features.Set(clientBody);
            await TryAsync(() => store.ReleaseAsync(scope, key, claimId));
            throw;
        }
        context.Features.Set(clientBody);

        var response = context.Response;
        var kept = false;
        if (IsKept(response.StatusCode) && !buffer.Overflowed)
        {
            var marked = context.GetEndpoint()?.Metadata.GetMetadata<RevealsSecretMetadata>();
            if (SecretRedaction.Redact(buffer.Kept, response.ContentType, marked) is { } safeBody)
            {
                var location = response.Headers.Location.ToString();
                kept = await TryAsync(() => store.CompleteAsync(scope, key, claimId,
                    new KeptResponse(response.StatusCode, location.Length > 0 ? location : null, response.ContentType, safeBody)));
            }
            else logger.LogWarning("A response to {Method} {Route} was not kept for replay: it holds what looks like an API key outside JSON.",
                context.Request.Method, (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText);
        }
        if (!kept) await TryAsync(() => store.ReleaseAsync(scope, key, claimId));
        // Only now does the client see the answer: a retry sent the moment it arrives finds it kept.
        await buffer.ReleaseToClientAsync(context.RequestAborted);
    }

    /// <summary>
    /// The request has run: if its claim cannot be completed or released, the client still gets its answer, and the
    /// open claim lapses after <see cref="IdempotencyOptions.ClaimTimeout"/>.
    /// </summary>
    private async Task<bool> TryAsync(Func<Task> bookkeeping)
    {
        try
        {
            await bookkeeping();
            return true;
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Could not record an idempotency key's outcome; its claim lapses by itself.");
            return false;
        }
    }

    /// <summary>
    /// Whether a response is kept for replay. Not kept, so the same key may be sent again: answers that refused the
    /// request without changing anything and may go otherwise next time (400 validation, 401, 403, 408, 409 conflicts,
    /// 413, 415, 422, 429), and every 5xx (the request failed, perhaps halfway; running it again is the client's call).
    /// Everything else ran to an answer, a 404 included, and is kept.
    /// </summary>
    internal static bool IsKept(int status) =>
        status < 500 && status is not (400 or 401 or 403 or 408 or 409 or 413 or 415 or 422 or 429);

    private static async Task ReplayAsync(HttpContext context, IdempotencyRecord stored)
    {
        var response = context.Response;
        response.StatusCode = stored.StatusCode!.Value;
        if (stored.Location is not null) response.Headers.Location = stored.Location;
        if (stored.ContentType is not null) response.ContentType = stored.ContentType;
        response.Headers[ReplayedHeader] = "true";
        if (stored.Body is { Length: > 0 } body)
        {
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    private static bool IsApiWrite(HttpRequest request) =>
        (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)
            || HttpMethods.IsDelete(request.Method))
        && request.Path.StartsWithSegments("/api/v1");

    /// <summary>Keys belong to one API key; a legacy token has none, so its keys belong to its company's branch.</summary>
    private static string ScopeOf(IApiCredentialFeature credential) => credential.KeyId is { } keyId
        ? $"key:{keyId}"
        : $"jwt:{credential.Caller.Tenant.CompanyId}:{credential.Caller.Tenant.BranchId}";

    /// <summary>"The same request": the method, the path with its query, and the body, as one SHA-256.</summary>
    internal static byte[] Fingerprint(string method, string pathAndQuery, byte[] body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{method.ToUpperInvariant()}\n{pathAndQuery}\n"));
        hash.AppendData(body);
        return hash.GetHashAndReset();
    }

    /// <summary>The whole body, or null as soon as it passes <paramref name="limit"/> bytes (the rest is never read).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var copy = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (copy.Length + read > limit) return null;
            copy.Write(chunk, 0, read);
        }
        return copy.ToArray();
    }

    private Task WriteProblemAsync(HttpContext context, ProblemDetails problem)
    {
        context.Response.StatusCode = problem.Status!.Value;
        return problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).AsTask();
    }
}
