using System.Xml.Linq;
using FieldCamp.Web.Api;
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
/// A request that needed Redis and could not do without it (an instance that has not read the Data Protection key ring
/// yet, with Redis away): 503 with Retry-After, a dependency failing, not a 500. Logged at most once a minute.
/// </summary>
internal sealed class RedisOutageExceptionHandler(IProblemDetailsService problems, TimeProvider time, ILogger<RedisOutageExceptionHandler> logger)
    : IExceptionHandler
{
    private long _lastLogged;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!CausedByRedis(exception)) return false;
        var last = Interlocked.Read(ref _lastLogged);
        if ((last == 0 || time.GetElapsedTime(last) > TimeSpan.FromMinutes(1))
            && Interlocked.CompareExchange(ref _lastLogged, time.GetTimestamp(), last) == last)
            logger.LogWarning(exception, "Requests that need Redis (the Data Protection key ring) are answered 503 until it can be reached.");

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = Data.StoreOutage.RetryAfter;
        var problem = ApiProblems.ServiceUnavailable();
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static bool CausedByRedis(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
            if (exception is RedisException or RedisTimeoutException) return true;
        return false;
    }
}
