using System.Security.Cryptography;
using System.Text;
using FieldCamp.Domain;
using FieldCamp.Web.Data;
using FieldCamp.Web.Webhooks;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Webhooks;

/// <summary>Endpoints stored the way registration stores them, events written to the outbox, and an independent verifier.</summary>
internal static class WebhookTestKit
{
    public static async Task<WebhookEndpoint> AddEndpointAsync(this AppFactory app, string url, string events, string secret,
        string? company = "acme", string? branch = null, string? previousSecret = null, DateTime? previousExpiresAt = null,
        bool enabled = true)
    {
        var (companyId, branchId) = await app.TenantAsync(company ?? "acme", branch);
        var protector = app.DataProtection.CreateProtector(WebhookSecrets.ProtectionPurpose);
        var now = DateTime.UtcNow;
        var endpoint = new WebhookEndpoint
        {
            Id = Ids.New("whk", now), CompanyId = companyId, BranchId = branchId, Url = url, Events = events,
            Enabled = enabled, ProtectedSecret = protector.Protect(secret),
            ProtectedPreviousSecret = previousSecret is null ? null : protector.Protect(previousSecret),
            PreviousSecretExpiresAt = previousExpiresAt, CreatedAt = now, UpdatedAt = now,
        };
        await using var db = await app.CreateDbContextAsync();
        db.WebhookEndpoints.Add(endpoint);
        await db.SaveChangesAsync();
        return endpoint;
    }

    /// <summary>Writes an event to the outbox, as a change to a client would, on the app's clock.</summary>
    public static async Task<OutboxEvent> AddEventAsync(this AppFactory app, string type, object data, DateTime now, string company = "acme", string? branch = null)
    {
        var (companyId, branchId) = await app.TenantAsync(company, branch);
        var outboxEvent = OutboxEvent.For(companyId, branchId, type, data, now);
        await using var db = await app.CreateDbContextAsync();
        db.Outbox.Add(outboxEvent);
        await db.SaveChangesAsync();
        return outboxEvent;
    }

    /// <summary>Polls the database (on the wall clock, generously) until <paramref name="condition"/> holds.</summary>
    public static async Task<T> WaitForAsync<T>(this AppFactory app, Func<AppDbContext, Task<T>> read, Func<T, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using (var db = await app.CreateDbContextAsync())
            {
                var value = await read(db);
                if (condition(value)) return value;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited in vain for {what}.");
            await Task.Delay(50);
        }
    }

    public static Task<List<WebhookAttempt>> AttemptsAsync(this AppFactory app, string endpointId) =>
        app.WaitForAsync(db => db.WebhookAttempts.AsNoTracking()
                .Where(a => db.WebhookDeliveries.Any(d => d.Id == a.DeliveryId && d.EndpointId == endpointId))
                .OrderBy(a => a.Number).ToListAsync(),
            _ => true, "attempts");

    public static Task<WebhookDelivery> DeliveryAfterAttemptsAsync(this AppFactory app, string endpointId, int attempts) =>
        app.WaitForAsync(db => db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == endpointId).SingleOrDefaultAsync(),
            d => d is not null && d.Attempts >= attempts, $"{attempts} recorded attempts to {endpointId}")!;

    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// The Standard Webhooks check, written out here apart from the app's signer: HMAC-SHA256 keyed by the base64 after
    /// <c>whsec_</c> over "id.timestamp.body", compared in constant time with each <c>v1,</c> signature in the header.
    /// </summary>
    public static bool Verifies(string secret, ReceivedWebhook webhook)
    {
        if (webhook.Id is null || webhook.Timestamp is null || webhook.Signature is null) return false;
        var key = Convert.FromBase64String(secret.Substring("whsec_".Length));
        using var hmac = new HMACSHA256(key);
        var expected = hmac.ComputeHash(Encoding.UTF8.GetBytes(webhook.Id + "." + webhook.Timestamp + "." + webhook.Body));
        foreach (var versioned in webhook.Signature.Split(' '))
        {
            var comma = versioned.IndexOf(',');
            if (comma < 0 || versioned[..comma] != "v1") continue;
            byte[] given;
            try
            {
                given = Convert.FromBase64String(versioned[(comma + 1)..]);
            }
            catch (FormatException)
            {
                continue;
            }
            if (CryptographicOperations.FixedTimeEquals(given, expected)) return true;
        }
        return false;
    }
}
