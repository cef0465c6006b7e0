using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>Request and response helpers shared by the API and CLI tests.</summary>
internal static class Http
{
    public static HttpContent Json(object body) => JsonContent.Create(body);

    public static HttpContent RawJson(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts the status, then returns the body as JSON.</summary>
    public static async Task<JsonElement> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status,
            $"Expected {(int)status} but got {(int)response.StatusCode} for {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {text}");
        if (text.Length == 0) return default;
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Asserts an RFC 9457 problem with the given status and stable <c>code</c>; every 401 also carries the
    /// Bearer challenge. Returns the problem body.
    /// </summary>
    public static async Task<JsonElement> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var problem = await response.ExpectAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(JsonValueKind.Object, problem.ValueKind);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (status == HttpStatusCode.Unauthorized)
            Assert.Equal("Bearer realm=\"fieldcamp\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        return problem;
    }

    public static async Task<JsonElement> ExpectProblemAsync(this Task<HttpResponseMessage> response, HttpStatusCode status, string code) =>
        await (await response).ExpectProblemAsync(status, code);

    public static async Task<JsonElement> ExpectAsync(this Task<HttpResponseMessage> response, HttpStatusCode status) =>
        await (await response).ExpectAsync(status);

    public static Task<HttpResponseMessage> PatchAsync(this HttpClient client, string path, object body) =>
        client.PatchAsync(path, Json(body));

    public static string[] Strings(this JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    public static bool IsNull(this JsonElement element, string property) =>
        element.GetProperty(property).ValueKind == JsonValueKind.Null;

    /// <summary>
    /// For a test whose requests must fall in one rate-limit window (clock minutes): waits out the last five seconds
    /// of a minute, so the next few seconds' requests share one. The minute is the system clock's unless the test
    /// gives the clock that counts (<paramref name="unixSeconds"/>, say Redis's).
    /// </summary>
    public static async Task AwayFromTheMinutesEndAsync(long? unixSeconds = null)
    {
        var second = (unixSeconds ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()) % 60;
        if (second >= 55) await Task.Delay(TimeSpan.FromSeconds(61 - second));
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task<TimeSpan> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition()) return clock.Elapsed;
            if (clock.Elapsed > timeout) Assert.Fail($"Not within {timeout.TotalSeconds:0.#} s: {what}");
            await Task.Delay(50);
        }
    }
}
