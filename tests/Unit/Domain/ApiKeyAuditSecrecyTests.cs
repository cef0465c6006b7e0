using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

public class ApiKeyAuditSecrecyTests
{
    [Fact]
    public void Lifecycle_EveryAuditEvent_NeverContainsASecret()
    {
        var (key, firstSecret) = Create(Now, Spec(expiresAt: Now.AddDays(90), rateLimit: 100));
        var events = new List<AuditEvent>(key.TakeAuditEvents());

        key.Update(new ApiKeyUpdate("renamed", ["clients:write"], new Set<DateTime?>(Now.AddDays(60)), new Set<int?>(50), new Set<string?>("user_carol")), Alice, Now.AddDays(1));
        events.AddRange(key.TakeAuditEvents());

        var (replacement, secondSecret) = key.Rotate(new RotationOptions(["clients:read"], null, 24), Bob, Now.AddDays(2));
        events.AddRange(key.TakeAuditEvents());
        events.AddRange(replacement.TakeAuditEvents());

        key.Revoke(Alice, Now.AddDays(3));
        replacement.Revoke(Alice, Now.AddDays(4));
        events.AddRange(key.TakeAuditEvents());
        events.AddRange(replacement.TakeAuditEvents());

        Assert.Equal(
            [AuditEventType.ApiKeyCreated, AuditEventType.ApiKeyUpdated, AuditEventType.ApiKeyRotated,
             AuditEventType.ApiKeyCreated, AuditEventType.ApiKeyRevoked, AuditEventType.ApiKeyRevoked],
            events.Select(e => e.Type));

        string[] forbidden = [firstSecret, secondSecret, firstSecret[8..^6], secondSecret[8..^6]];
        var texts = events.SelectMany(e => new[] { e.Note, e.Subject, e.Actor.Name, e.Actor.Id }
                .Concat(e.Changes.SelectMany(c => new[] { c.Field, c.From, c.To })))
            .Where(t => t is not null)
            .Select(t => t!)
            .ToList();

        Assert.NotEmpty(texts);
        Assert.All(texts, text =>
            Assert.All(forbidden, secret => Assert.DoesNotContain(secret, text, StringComparison.Ordinal)));
    }
}
