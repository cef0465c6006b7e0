using System.Diagnostics;
using System.Net;

namespace FieldCamp.Tests.Unit.Scaling;

/// <summary>
/// An instance started while Redis is away has no Data Protection key ring to sign people in with: its dashboard
/// answers 503 with Retry-After (a dependency down, said truthfully), never a 500, and works once Redis returns.
/// </summary>
public sealed class KeyRingOutageTests
{
    [Fact]
    public async Task SignInPage_RedisAwayAtStart_503WithRetryAfter_ThenWorksWhenRedisReturns()
    {
        using var redis = new RedisServer();
        redis.Stop();
        using var app = new AppFactory { AppDataProtection = true };
        app.Settings["Redis:Configuration"] = redis.Configuration;
        using var client = app.CreateClient();

        var away = await client.GetAsync("/account/login");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, away.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), away.Headers.RetryAfter?.Delta);
        // Anyone can repeat a page request: while Redis is away, that costs no log line each time.
        var linesBefore = app.Logs.Entries.Count;
        for (var i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/account/login")).StatusCode);
        var during = app.Logs.Entries.Skip(linesBefore).Where(e => e.Split(' ')[0] is "Information" or "Warning" or "Error" or "Critical").ToList();
        Assert.True(during.Count <= 2, $"{during.Count} log lines for 20 requests:\n{string.Join("\n", during.Take(6))}");
        // A browser is told in a page, naming Redis; what needs no key ring (the API's document, static files) still answers.
        using var page = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        page.Headers.Accept.ParseAdd("text/html");
        var pageAnswer = await client.SendAsync(page);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, pageAnswer.StatusCode);
        Assert.Contains("until it reaches Redis", await pageAnswer.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/app.css")).StatusCode);

        redis.Start();
        var waited = Stopwatch.StartNew();
        HttpResponseMessage back;
        while ((back = await client.GetAsync("/account/login")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), $"Still {(int)back.StatusCode} after Redis returned.");
            await Task.Delay(100);
        }
    }
}
