using System.Diagnostics;
using System.Text.RegularExpressions;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Data;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Webhooks;

/// <summary>
/// The database made unreachable while the delivery engine polls it several times a second: the outage is reported the
/// way the API reports it (a line when it starts, at most one a minute while it lasts, one when it is back), never a
/// warning with a stack trace per round.
/// </summary>
public sealed partial class WebhookStoreOutageTests
{
    [Fact]
    public async Task Dispatcher_and_sender_report_an_unreachable_database_once_a_minute_without_a_stack_trace_and_once_that_it_is_back()
    {
        var store = new StoreSwitch();
        var clock = new SkippingClock();
        using var app = new AppFactory
        {
            Clock = clock, DbInterceptors = { store },
            // Polled twenty times a second: the old per-round warning would have shown many times over.
            Settings = { ["Webhooks:Delivery:PollInterval"] = "00:00:00.050" },
        };
        var outage = app.Services.GetRequiredService<StoreOutage>();
        var linesBefore = app.Logs.Entries.Count;

        store.Down = true;
        var failures = outage.Failures;
        await WaitUntilAsync(() => outage.Failures >= failures + 20, "twenty failed rounds");
        // A minute later (on the app's clock) the outage is reported again, with how many failures it left unsaid.
        clock.Skip(StoreOutage.LogInterval + TimeSpan.FromSeconds(1));
        failures = outage.Failures;
        await WaitUntilAsync(() => outage.Failures >= failures + 20, "twenty more failed rounds");

        var during = OwnWarnings(app, linesBefore);
        Assert.True(during.Count == 2 && during.All(line => line.Contains("The database could not be reached", StringComparison.Ordinal)),
            "log lines during the outage:\n" + string.Join("\n", during));
        // The cause is named; no exception (and so no stack trace) is attached.
        Assert.All(during, line => Assert.Contains(StoreSwitch.FailureMessage, line));
        Assert.All(during, line => Assert.EndsWith("| ", line));
        Assert.DoesNotContain(during, line => line.Contains(" at FieldCamp.", StringComparison.Ordinal));
        var unsaid = int.Parse(MoreFailures().Match(during[1]).Groups[1].Value);
        Assert.True(unsaid >= 19, $"the second report counts the failures since the first: {during[1]}");

        var linesAtRecovery = app.Logs.Entries.Count;
        store.Down = false;
        await WaitUntilAsync(() => app.Logs.Entries.Any(line => line.Contains("The database answers again", StringComparison.Ordinal)),
            "the line saying the database is back");
        // More rounds, all answered: still the one line.
        failures = outage.Failures;
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var after = OwnWarnings(app, linesAtRecovery);
        Assert.True(after.Count == 1 && after[0].Contains("The database answers again", StringComparison.Ordinal),
            "log lines after the outage:\n" + string.Join("\n", after));
        Assert.Equal(failures, outage.Failures);
    }

    /// <summary>Warnings and errors the app itself or EF logged after line <paramref name="skip"/>.</summary>
    private static List<string> OwnWarnings(AppFactory app, int skip) =>
        [.. app.Logs.Entries.Skip(skip)
            .Where(e => e.StartsWith("Warning", StringComparison.Ordinal) || e.StartsWith("Error", StringComparison.Ordinal)
                        || e.StartsWith("Critical", StringComparison.Ordinal))
            // Not, say, Kestrel's warning about a slow heartbeat on a loaded machine.
            .Where(e => e.Split(' ', 3)[1].StartsWith("FieldCamp.", StringComparison.Ordinal)
                        || e.Split(' ', 3)[1].StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal))];

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"Waited in vain for {what}.");
            await Task.Delay(20);
        }
    }

    [GeneratedRegex(@"\. (\d+) more such failures since the last report")]
    private static partial Regex MoreFailures();
}
