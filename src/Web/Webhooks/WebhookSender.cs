using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using FieldCamp.Domain.Notices;
using FieldCamp.Domain.Webhooks;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Webhooks;

/// <summary>
/// Sends the deliveries that are due, a few at a time, and records every attempt. The database is the only queue: a
/// delivery is claimed by moving its next attempt a lease into the future, so after a crash mid-send it comes due
/// again by itself (at-least-once, with the same <c>webhook-id</c>), and a second instance never sends it at the same time.
/// </summary>
internal sealed class WebhookSender(
    IDbContextFactory<AppDbContext> dbFactory, IHttpClientFactory httpClients, IDataProtectionProvider dataProtection,
    WebhookWakeup wakeup, TimeProvider time, IOptions<WebhookDeliveryOptions> options, IOptions<WebhookOptions> targets,
    StoreOutage outage, Telemetry.FieldCampMetrics metrics, ILogger<WebhookSender> logger)
    : BackgroundService
{
    public const string ClientName = "webhooks";

    /// <summary>Bytes of a response body read for its snippet; the rest is never downloaded.</summary>
    private const int SnippetBytes = 2048;
    public const int SnippetChars = 500;

    private WebhookDeliveryOptions Options => options.Value;

    /// <summary>How long a claimed delivery stays out of everyone else's reach: its attempt, and time to record it.</summary>
    private TimeSpan Lease => Options.AttemptTimeout + TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var slots = new SemaphoreSlim(Options.MaxConcurrency, Options.MaxConcurrency);
        var running = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var failuresBefore = outage.Failures;
            try
            {
                var free = slots.CurrentCount;
                var due = free > 0 ? await ClaimDueAsync(free, stoppingToken) : [];
                if (free > 0) outage.Answered(failuresBefore);
                foreach (var claimed in due)
                {
                    await slots.WaitAsync(stoppingToken);
                    running.Add(Task.Run(async () =>
                    {
                        try
                        {
                            await DeliverAsync(claimed.Id, stoppingToken);
                        }
                        finally
                        {
                            _inFlight.Release(claimed);
                            slots.Release();
                            // A slot is free again: look for more at once rather than at the next poll.
                            wakeup.Nudge();
                        }
                    }, CancellationToken.None));
                }
                running.RemoveAll(task => task.IsCompleted);
            }
            catch (Exception ex) when (StoreOutage.IsStoreFailure(ex) && !stoppingToken.IsCancellationRequested)
            {
                // Polled every second: an outage is reported as the API reports it, a line a minute, not one per poll.
                outage.Report(ex, "claiming due webhook deliveries");
            }
            catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not claim due webhook deliveries; trying again in {Interval}.", Options.PollInterval);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            await wakeup.WaitAsync(Options.PollInterval, stoppingToken);
        }
        // Attempts cut short by the shutdown are not recorded; their lease runs out and they go again after a restart.
        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due deliveries of enabled endpoints, oldest due first, but never more at
    /// once than <see cref="InFlight.PerEndpoint"/> to one endpoint or half the slots to one branch: a receiver that
    /// never answers (or a flood of test pings) holds back its own deliveries, not every other tenant's.
    /// </summary>
    internal async Task<IReadOnlyList<InFlight.Claim>> ClaimDueAsync(int limit, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var due = await db.WebhookDeliveries
            .Where(d => d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt <= now)
            .Where(d => db.WebhookEndpoints.Any(e => e.Id == d.EndpointId && e.Enabled))
            .OrderBy(d => d.NextAttemptAt)
            .Select(d => new { d.Id, d.EndpointId, d.BranchId, d.NextAttemptAt })
            // More than the slots: some may belong to endpoints or branches already at their share.
            .Take(limit * 8)
            .ToListAsync(cancellationToken);
        var leaseUntil = now + Lease;
        var claimed = new List<InFlight.Claim>(limit);
        var perBranch = Math.Max(1, Options.MaxConcurrency / 2);
        foreach (var delivery in due)
        {
            if (claimed.Count == limit) break;
            var claim = new InFlight.Claim(delivery.Id, delivery.EndpointId, delivery.BranchId);
            if (!_inFlight.TryTake(claim, perBranch)) continue;
            // Only if nobody moved it since it was read: that is the claim.
            var won = await db.WebhookDeliveries
                .Where(d => d.Id == delivery.Id && d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt == delivery.NextAttemptAt)
                .ExecuteUpdateAsync(set => set.SetProperty(d => d.NextAttemptAt, leaseUntil), cancellationToken);
            if (won == 1) claimed.Add(claim);
            else _inFlight.Release(claim);
        }
        return claimed;
    }

    private readonly InFlight _inFlight = new();

    /// <summary>What this instance is sending right now, counted per endpoint and per branch.</summary>
    internal sealed class InFlight
    {
        public const int PerEndpoint = 2;

        public sealed record Claim(string Id, string EndpointId, string BranchId);

        private readonly Dictionary<string, int> _endpoints = [];
        private readonly Dictionary<string, int> _branches = [];

        public bool TryTake(Claim claim, int perBranch)
        {
            lock (this)
            {
                if (_endpoints.GetValueOrDefault(claim.EndpointId) >= PerEndpoint || _branches.GetValueOrDefault(claim.BranchId) >= perBranch)
                    return false;
                _endpoints[claim.EndpointId] = _endpoints.GetValueOrDefault(claim.EndpointId) + 1;
                _branches[claim.BranchId] = _branches.GetValueOrDefault(claim.BranchId) + 1;
                return true;
            }
        }

        public void Release(Claim claim)
        {
            lock (this)
            {
                Decrement(_endpoints, claim.EndpointId);
                Decrement(_branches, claim.BranchId);
            }
        }

        private static void Decrement(Dictionary<string, int> counts, string key)
        {
            if (counts.GetValueOrDefault(key) <= 1) counts.Remove(key);
            else counts[key]--;
        }
    }

    /// <summary>Makes one attempt of a claimed delivery and records it.</summary>
    internal async Task DeliverAsync(string deliveryId, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var delivery = await db.WebhookDeliveries.SingleOrDefaultAsync(d => d.Id == deliveryId, cancellationToken);
            var endpoint = delivery is null ? null : await db.WebhookEndpoints.SingleOrDefaultAsync(e => e.Id == delivery.EndpointId, cancellationToken);
            if (delivery is null || endpoint is null || delivery.Status != WebhookDeliveryStatus.Pending) return;

            var at = time.GetUtcNow().UtcDateTime;
            var started = time.GetTimestamp();
            var (status, snippet) = await SendAsync(delivery, endpoint, at, cancellationToken);
            var duration = (int)Math.Min(int.MaxValue, time.GetElapsedTime(started).TotalMilliseconds);
            await RecordAsync(db, delivery, endpoint, new WebhookAttempt
            {
                DeliveryId = delivery.Id, Number = delivery.Attempts + 1, At = at, StatusCode = status, DurationMs = duration,
                Snippet = snippet,
            }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (StoreOutage.IsStoreFailure(ex))
        {
            // The lease runs out and the delivery is tried again once the database is back.
            outage.Report(ex, $"sending webhook delivery {deliveryId} (it will be tried again)");
        }
        catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException)
        {
            if (ex is DbUpdateException && await IsGoneAsync(deliveryId))
            {
                LogDeletedMeanwhile(deliveryId, endpointId: null);
                return;
            }
            // The lease runs out and the delivery is tried again: sent twice at worst, never lost.
            logger.LogWarning(ex, "Could not record an attempt of webhook delivery {DeliveryId}; it will be tried again.", deliveryId);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Anything else is a bug; it must not stop the sender. The lease brings the delivery back for another try.
            logger.LogError(ex, "Webhook delivery {DeliveryId} failed unexpectedly; it will be tried again.", deliveryId);
        }
    }

    /// <summary>Whether the delivery no longer exists (its endpoint was deleted); false when that cannot be told.</summary>
    private async Task<bool> IsGoneAsync(string deliveryId)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            return !await db.WebhookDeliveries.AnyAsync(d => d.Id == deliveryId);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>An endpoint deleted mid-attempt is the user's decision, not a fault: one line, no stack trace.</summary>
    private void LogDeletedMeanwhile(string deliveryId, string? endpointId) =>
        logger.LogInformation("Webhook delivery {DeliveryId} was deleted with its endpoint {EndpointId} while it was being sent; the attempt is not recorded.",
            deliveryId, endpointId ?? "(deleted)");

    /// <summary>One HTTP attempt: the status code (null when no answer came) and the start of the answer, or what went wrong.</summary>
    private async Task<(int? Status, string Snippet)> SendAsync(WebhookDelivery delivery, WebhookEndpoint endpoint, DateTime at, CancellationToken cancellationToken)
    {
        if (WebhookTargets.CheckUrl(endpoint.Url, targets.Value.AllowInsecureTargets) is { } refusal) return (null, refusal);

        var timestamp = new DateTimeOffset(at).ToUnixTimeSeconds();
        string signature;
        try
        {
            signature = WebhookSignature.Header(SecretsOf(endpoint, at), delivery.Id, timestamp, delivery.Body);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // The Data Protection keys that encrypted the secret are gone (a new server without the old key ring).
            return (null, "could not read the endpoint's signing secret: rotate the secret to send again");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", delivery.Id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signature);

        var timeout = Options.AttemptTimeout;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await httpClients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var status = (int)response.StatusCode;
            var body = await ReadSnippetAsync(response, linked.Token);
            if (status is >= 300 and <= 399)
                return (status, Truncate($"redirect not followed (Location: {response.Headers.Location}) {body}".TrimEnd()));
            return (status, body);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (null, $"timed out: no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            if (FindInner<WebhookTargetRefusedException>(ex) is { } refused) return (null, Truncate(refused.Message));
            // The outer message is only "An error occurred while sending the request."; the cause is inside.
            var cause = ex.InnerException is { } inner && !ex.Message.Contains(inner.Message, StringComparison.Ordinal)
                ? $"{ex.Message} {inner.Message}" : ex.Message;
            return (null, Truncate($"no answer: {cause}"));
        }
    }

    /// <summary>The secrets that sign now: the current one, and the previous one while its overlap lasts.</summary>
    private List<string> SecretsOf(WebhookEndpoint endpoint, DateTime now)
    {
        var protector = dataProtection.CreateProtector(WebhookSecrets.ProtectionPurpose);
        var secrets = new List<string> { protector.Unprotect(endpoint.ProtectedSecret) };
        if (endpoint.ProtectedPreviousSecret is { } previous && endpoint.PreviousSecretExpiresAt > now)
            secrets.Add(protector.Unprotect(previous));
        return secrets;
    }

    private static async Task<string> ReadSnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[SnippetBytes];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0) break;
            read += n;
        }
        return Truncate(Encoding.UTF8.GetString(buffer, 0, read));
    }

    private static string Truncate(string text) => text.Length <= SnippetChars ? text : text[..SnippetChars];

    private static T? FindInner<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is T found) return found;
        return null;
    }

    /// <summary>
    /// Saves the attempt, the delivery's next step and the endpoint's health in one transaction. An endpoint that has
    /// now failed for <see cref="WebhookDeliveryRules.DisableAfter"/> straight is disabled, and its company's admins are told.
    /// </summary>
    private async Task RecordAsync(AppDbContext db, WebhookDelivery delivery, WebhookEndpoint endpoint, WebhookAttempt attempt, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var succeeded = attempt.StatusCode is { } code && WebhookDeliveryRules.IsSuccess(code);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The endpoint may have been deleted while the attempt was out, taking its deliveries with it: there is no
        // row left to record against, and nothing left to retry. (On SQLite the transaction already holds the write
        // lock, so the delete cannot slip in between; elsewhere DeliverAsync catches the foreign key instead.)
        if (!await db.WebhookDeliveries.AnyAsync(d => d.Id == delivery.Id, cancellationToken))
        {
            LogDeletedMeanwhile(delivery.Id, endpoint.Id);
            return;
        }
        db.WebhookAttempts.Add(attempt);
        delivery.Attempts = attempt.Number;
        if (succeeded)
        {
            delivery.Status = WebhookDeliveryStatus.Succeeded;
            delivery.NextAttemptAt = null;
            await db.WebhookEndpoints.Where(e => e.Id == endpoint.Id && e.FailingSince != null)
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.FailingSince, (DateTime?)null), cancellationToken);
        }
        else
        {
            delivery.NextAttemptAt = WebhookDeliveryRules.NextAttemptAt(attempt.Number, now);
            delivery.Status = delivery.NextAttemptAt is null ? WebhookDeliveryStatus.Failed : WebhookDeliveryStatus.Pending;
            // Each change is a conditional update of its own, so deliveries to the same endpoint recorded at the same
            // time neither restart the failing run nor disable it twice.
            await db.WebhookEndpoints.Where(e => e.Id == endpoint.Id && e.FailingSince == null)
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.FailingSince, attempt.At), cancellationToken);
            var failingBefore = now - WebhookDeliveryRules.DisableAfter;
            var reason = $"Disabled automatically: every delivery failed for {WebhookDeliveryRules.DisableAfter.TotalDays:0} days.";
            var disabled = await db.WebhookEndpoints
                .Where(e => e.Id == endpoint.Id && e.Enabled && e.FailingSince != null && e.FailingSince <= failingBefore)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(e => e.Enabled, false)
                    .SetProperty(e => e.DisabledReason, reason)
                    .SetProperty(e => e.UpdatedAt, now), cancellationToken);
            if (disabled == 1) db.Notices.Add(DisabledNotice(endpoint, attempt, now));
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.WebhookAttempt(succeeded ? "delivered" : delivery.Status == WebhookDeliveryStatus.Failed ? "gave_up" : "failed");
        if (!succeeded && delivery.Status == WebhookDeliveryStatus.Failed)
            logger.LogInformation("Webhook delivery {DeliveryId} to endpoint {EndpointId} failed {Attempts} times; giving up.",
                delivery.Id, endpoint.Id, delivery.Attempts);
    }

    private static Notice DisabledNotice(WebhookEndpoint endpoint, WebhookAttempt attempt, DateTime now)
    {
        var failingSince = endpoint.FailingSince ?? attempt.At;
        var name = string.IsNullOrWhiteSpace(endpoint.Description)
            ? (Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var uri) ? uri.Host : endpoint.Url)
            : endpoint.Description;
        var last = attempt.StatusCode is { } status ? $"HTTP {status}" : attempt.Snippet ?? "no answer";
        var message = $"Webhook to {endpoint.Url} was disabled: every delivery has failed since {failingSince:yyyy-MM-dd HH:mm} UTC "
            + $"(last: {last}). Fix the receiver, then enable the webhook again under Developer → Webhooks.";
        return new Notice(endpoint.CompanyId, endpoint.BranchId, endpoint.Id, Cap(name, Domain.ApiKeys.ApiKey.NameMaxLength),
            NoticeKind.WebhookDisabled, Cap(message, 1000), $"webhook-disabled:{endpoint.Id}:{failingSince.Ticks}", now);
    }

    private static string Cap(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
