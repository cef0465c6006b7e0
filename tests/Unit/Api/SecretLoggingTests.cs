using System.Net;
using System.Net.Http.Headers;
using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>Secrets never reach a log, at any level, whatever the request did.</summary>
public class SecretLoggingTests
{
    [Fact]
    public async Task Logs_DuringSuccessfulAndFailingRequests_NeverContainASecret()
    {
        var app = new AppFactory { LogEverything = true };
        var secrets = new List<string>();
        try
        {
            var admin = await app.CreateKeyAsync(scopes: ["*"]);
            var reader = await app.CreateKeyAsync(scopes: ["jobs:read"]);
            secrets.AddRange([admin.Secret, reader.Secret]);
            using var adminClient = app.CreateClient(admin.Secret);
            using var readerClient = app.CreateClient(reader.Secret, KeyHeader.XApiKey);

            // Successful calls, and the key lifecycle through the API.
            await readerClient.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
            var created = await adminClient.PostAsync("/api/v1/api-keys", Http.Json(new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" } }))
                .ExpectAsync(HttpStatusCode.Created);
            var createdSecret = created.GetProperty("key").GetString()!;
            secrets.Add(createdSecret);
            var rotated = await adminClient.PostAsync($"/api/v1/api-keys/{created.GetProperty("id").GetString()}/rotate", null)
                .ExpectAsync(HttpStatusCode.Created);
            var rotatedSecret = rotated.GetProperty("key").GetString()!;
            secrets.Add(rotatedSecret);
            using var rotatedClient = app.CreateClient(rotatedSecret);
            await rotatedClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

            // Failures: scope, conflict, revoked, mistyped, unknown, bad bodies.
            await readerClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.Forbidden);
            using (var conflicting = app.CreateClient(admin.Secret))
            {
                conflicting.DefaultRequestHeaders.Add("X-Api-Key", reader.Secret);
                await conflicting.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.Unauthorized);
            }
            await adminClient.DeleteAsync($"/api/v1/api-keys/{rotated.GetProperty("id").GetString()}").ExpectAsync(HttpStatusCode.NoContent);
            await rotatedClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.Unauthorized);
            var mistyped = reader.Secret[..^1] + (reader.Secret[^1] == 'x' ? 'y' : 'x');
            using (var mistypedClient = app.CreateClient(mistyped))
                await mistypedClient.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.Unauthorized);
            var unknown = ApiKeySecret.Generate();
            secrets.Add(unknown);
            using (var unknownClient = app.CreateClient(unknown))
                await unknownClient.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.Unauthorized);
            var token = LegacyTokens.Create(new() { ["company"] = "acme" });
            secrets.Add(token);
            using (var jwtClient = app.CreateClient(token))
                await jwtClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
            var badToken = LegacyTokens.Create(new() { ["company"] = "nobody" });
            secrets.Add(badToken);
            using (var badJwtClient = app.CreateClient(badToken))
                await badJwtClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.Unauthorized);
            await adminClient.PostAsync("/api/v1/api-keys", Http.RawJson("{\"name\":")).ExpectAsync(HttpStatusCode.BadRequest);
            await adminClient.PostAsync("/api/v1/api-keys", Http.Json(new { name = "", scopes = new[] { "bogus" } })).ExpectAsync(HttpStatusCode.BadRequest);
            await adminClient.PostAsync("/api/v1/api-keys", Http.Json(new { name = "x", scopes = new[] { "*" }, expiresAt = "2001-01-01T00:00:00Z" }))
                .ExpectAsync(HttpStatusCode.BadRequest);

            // Let the usage writer flush what it queued, so its logging is included.
            await Http.EventuallyAsync(async () =>
            {
                await using var db = await app.CreateDbContextAsync();
                return db.ApiKeys.Any(k => k.Id == reader.Id && k.LastUsedAt != null);
            }, TimeSpan.FromSeconds(5), "usage flushed");
        }
        finally
        {
            await app.DisposeAsync();
        }

        var logs = app.Logs.Entries.ToList();
        Assert.NotEmpty(logs);
        Assert.Contains(logs, l => l.Contains("Microsoft.AspNetCore.Hosting.Diagnostics")); // request logging was on
        foreach (var secret in secrets)
        {
            var random = secret.Length == ApiKeySecret.Length ? secret[8..51] : secret.Split('.')[2];
            Assert.DoesNotContain(logs, l => l.Contains(secret, StringComparison.Ordinal) || l.Contains(random, StringComparison.Ordinal));
        }
        Assert.DoesNotContain(logs, l => l.Contains("Bearer fc_live_", StringComparison.OrdinalIgnoreCase));
    }
}
