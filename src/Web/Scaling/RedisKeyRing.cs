using System.Xml.Linq;
using FieldCamp.Web.Api;
using FieldCamp.Web.Auth;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;

namespace FieldCamp.Web.Scaling;

/// <summary>
/// The Data Protection key ring in Redis, remembering the last ring read: when Redis is away at the moment the
/// framework refreshes its ring (once a day, or on a key it does not know), the ring it already had is handed back
/// instead of failing every cookie and antiforgery check. Only an instance that has never read the ring fails then.
/// </summary>
internal sealed class RedisKeyRing(RedisConnection redis) : IXmlRepository
{
    // Waits for the first connection attempt only (at most its connect timeout, once); after it, never.
    private readonly RedisXmlRepository _inner = new(() => redis.ConnectedAsync().GetAwaiter().GetResult().GetDatabase(),
        redis.Prefix + "dataprotection-keys");
    private volatile IReadOnlyCollection<XElement>? _last;

    /// <summary>Whether this instance has read the ring at least once (and can fall back on it).</summary>
    public bool HasBeenRead => _last is not null;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        try
        {
            return _last = _inner.GetAllElements();
        }
        catch (Exception ex) when ((ex is RedisException or RedisTimeoutException) && _last is { } last)
        {
            return last;
        }
    }

    public void StoreElement(XElement element, string friendlyName) => _inner.StoreElement(element, friendlyName);
}

/// <summary>
/// While this instance has never read the key ring and Redis cannot be reached, what would need the ring (pages, the
/// sign-in form, the dashboard's live connection) is answered 503 here, before Data Protection tries Redis: it would
/// log an error for every such request, which anyone could repeat. The API and the health checks do not need the ring.
/// </summary>
internal sealed class KeyRingGate(RequestDelegate next, RedisKeyRing ring, RedisConnection redis, RedisOutageExceptionHandler outage)
{
    public Task InvokeAsync(HttpContext context)
    {
        // Until the first connection attempt ends (Multiplexer null), reading the ring waits for it, as it should.
        if (ring.HasBeenRead || redis.Multiplexer is not { IsConnected: false } || !NeedsTheRing(context.Request))
            return next(context);
        return outage.AnswerAsync(context, exception: null).AsTask();
    }

    /// <summary>Pages, forms and the live connection do; the API, health checks, the API's document and static files do not.</summary>
    private static bool NeedsTheRing(HttpRequest request)
    {
        var path = request.Path;
        return !ApiKeyDefaults.IsApiRequest(request) && !path.StartsWithSegments("/health") && !path.StartsWithSegments("/openapi")
            && !path.StartsWithSegments("/docs") && !path.StartsWithSegments("/_framework") && !path.StartsWithSegments("/_content")
            && !Path.HasExtension(path.Value);
    }
}

/// <summary>
/// A request that needed Redis and could not do without it (an instance that has not read the Data Protection key ring
/// yet, with Redis away): 503 with Retry-After, a dependency failing, not a 500. Logged at most once a minute.
/// </summary>
internal sealed class RedisOutageExceptionHandler(IProblemDetailsService problems, TimeProvider time, ILogger<RedisOutageExceptionHandler> logger)
    : IExceptionHandler
{
    private long _lastLogged;

    public ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken) =>
        CausedByRedis(exception) ? AnswerAsync(context, exception) : ValueTask.FromResult(false);

    public async ValueTask<bool> AnswerAsync(HttpContext context, Exception? exception)
    {
        var last = Interlocked.Read(ref _lastLogged);
        if ((last == 0 || time.GetElapsedTime(last) > TimeSpan.FromMinutes(1))
            && Interlocked.CompareExchange(ref _lastLogged, time.GetTimestamp(), last) == last)
            logger.LogWarning(exception, "Requests that need Redis (the Data Protection key ring) are answered 503 until it can be reached.");

        // A person in a browser gets a page; anything else the problem, which names Redis rather than the database.
        if (context.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal))
        {
            await Data.StoreOutagePageHandler.WritePageAsync(context.Response, "FieldCamp Console cannot sign anyone in until it reaches Redis");
            return true;
        }
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = Data.StoreOutage.RetryAfter;
        var problem = ApiProblems.ServiceUnavailable();
        problem.Detail = "Sign-in is unavailable until this instance can reach Redis, where the keys that sign sessions are kept. Retry after the time in Retry-After.";
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static bool CausedByRedis(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
            if (exception is RedisException or RedisTimeoutException) return true;
        return false;
    }
}
