using System.Net;
using FieldCamp.Web.Usage;
using Microsoft.AspNetCore.Http;
using FieldCamp.Tests.Unit.Domain;
using Microsoft.Extensions.Options;

namespace FieldCamp.Tests.Unit.Usage;

/// <summary>The in-memory tally behind the request log: every request counted once, alike requests sharing a row.</summary>
public class UsageRecorderTests
{
    // A clock that stands still, so every request here falls within one second.
    private static UsageRecorder Recorder(int maxPendingRows = 100_000) =>
        new(new ManualTimeProvider(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero)),
            Options.Create(new UsageOptions { MaxPendingRows = maxPendingRows }));

    private static HttpContext Request(string path, int status = 200, string agent = "zapier/2.1")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = path;
        context.Request.Headers.UserAgent = agent;
        context.Response.StatusCode = status;
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        return context;
    }

    [Fact]
    public void Take_AlikeAndDifferentRequests_OneTallyPerKindWithItsCount()
    {
        var recorder = Recorder();
        for (var i = 0; i < 3; i++) recorder.Record("key_a", Request("/api/v1/jobs"), authenticated: true);
        recorder.Record("key_a", Request("/api/v1/jobs", status: 404), authenticated: true);
        recorder.Record("key_b", Request("/api/v1/jobs"), authenticated: true);

        var tallies = recorder.Take();

        Assert.Equal(3, tallies.Count);
        Assert.Equal(3, Assert.Single(tallies, t => t is { Kind.KeyId: "key_a", Kind.Status: 200 }).Count);
        Assert.Equal(1, Assert.Single(tallies, t => t is { Kind.KeyId: "key_a", Kind.Status: 404 }).Count);
        Assert.Equal(1, Assert.Single(tallies, t => t.Kind.KeyId == "key_b").Count);
        Assert.Empty(recorder.Take());
    }

    [Fact]
    public async Task Record_ConcurrentWithTake_EveryRequestCountedExactlyOnce()
    {
        var recorder = Recorder();
        const int writers = 4, perWriter = 50_000;
        var contexts = new[] { Request("/api/v1/jobs"), Request("/api/v1/clients"), Request("/api/v1/jobs", status: 403) };
        var counted = 0L;
        using var done = new CancellationTokenSource();

        var taker = Task.Run(() =>
        {
            while (!done.IsCancellationRequested) Interlocked.Add(ref counted, recorder.Take().Sum(t => t.Count));
        });
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++) recorder.Record("key_a", contexts[(w + i) % contexts.Length], authenticated: true);
        })));
        await done.CancelAsync();
        await taker;
        counted += recorder.Take().Sum(t => t.Count);

        Assert.Equal(writers * perWriter, counted);
    }

    [Fact]
    public void Record_BeyondMaxPendingRows_NewKindsDroppedAndCounted()
    {
        var recorder = Recorder(maxPendingRows: 2);
        for (var i = 0; i < 5; i++) recorder.Record("key_a", Request($"/api/v1/jobs/job_{i}"), authenticated: true);
        recorder.Record("key_a", Request("/api/v1/jobs/job_0"), authenticated: true); // an existing row still counts

        Assert.Equal(3, recorder.TakeDropped());
        Assert.Equal(3, recorder.Take().Sum(t => t.Count));
        Assert.Equal(0, recorder.TakeDropped());
    }

    [Fact]
    public void RecordScope_PerKeyScopeAndDay_AllowedAndRefusedCountedApart_AndNotInTheLog()
    {
        var recorder = Recorder(maxPendingRows: 1);
        recorder.Record("key_a", Request("/api/v1/jobs"), authenticated: true);   // the log's one row
        for (var i = 0; i < 3; i++) recorder.RecordScope("key_a", "jobs:read", allowed: true);
        recorder.RecordScope("key_a", "jobs:write", allowed: false);
        recorder.RecordScope("key_b", "jobs:read", allowed: true);

        var batch = recorder.TakeAll();

        Assert.Equal(0, recorder.TakeDropped());
        Assert.Single(batch.Requests);
        var day = new DateOnly(2026, 11, 24);
        Assert.Equal(
            [new(new("key_a", day, "jobs:read"), 3, 0), new(new("key_a", day, "jobs:write"), 0, 1), new ScopeUseTally(new("key_b", day, "jobs:read"), 1, 0)],
            batch.ScopeUses.OrderBy(u => u.Kind.KeyId).ThenBy(u => u.Kind.Scope));
        Assert.Empty(recorder.TakeAll().ScopeUses);
    }
}
