using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FieldCamp.Tests.Unit.Webhooks;

/// <summary>One request a receiver got, as it arrived.</summary>
public sealed record ReceivedWebhook(string Path, string? Id, string? Timestamp, string? Signature, string? ContentType, string Body);

/// <summary>
/// A webhook receiver on a loopback port, answering each request with the next scripted status (200 once the script
/// runs out; <see cref="Hang"/> never answers). <c>/redirect</c> answers 302 to <c>/landed</c> on the same receiver.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _script;

    private WebhookReceiver(WebApplication app, IEnumerable<int> script) => (_app, _script) = (app, new ConcurrentQueue<int>(script));

    /// <summary>In a script: keep the request waiting without an answer.</summary>
    public const int Hang = 0;

    /// <summary>In a script: keep the request waiting until <see cref="Release"/> is completed, then answer 200.</summary>
    public const int Held = 1;

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public int Port => new Uri(BaseUrl).Port;

    public static async Task<WebhookReceiver> StartAsync(params int[] script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, script);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers;
        Received.Enqueue(new ReceivedWebhook(context.Request.Path, headers["webhook-id"], headers["webhook-timestamp"],
            headers["webhook-signature"], context.Request.ContentType, body));
        if (context.Request.Path == "/redirect")
        {
            context.Response.Redirect($"{BaseUrl}/landed");
            return;
        }
        var status = _script.TryDequeue(out var next) ? next : 200;
        if (status == Hang)
        {
            // Never answers; the sender gives up and closes the connection.
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }
        if (status == Held)
        {
            await Release.Task.WaitAsync(context.RequestAborted);
            status = 200;
        }
        context.Response.StatusCode = status;
        await context.Response.WriteAsync($"receiver says {context.Response.StatusCode}");
    }

    /// <summary>Waits (on the wall clock, generously for a slow machine) until the receiver has <paramref name="count"/> requests.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Received.Count < count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The receiver got {Received.Count} of {count} expected requests.");
            await Task.Delay(50);
        }
        return [.. Received];
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
