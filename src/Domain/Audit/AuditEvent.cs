namespace FieldCamp.Domain.Audit;

/// <summary>One field of a change: its value before and after, as display text. Never a secret.</summary>
public sealed record AuditChange(string Field, string? From, string? To);

/// <summary>An entry of the audit trail. Written in the same transaction as the change it records.</summary>
public sealed class AuditEvent
{
    private AuditEvent() { }

    public AuditEvent(AuditEventType type, string companyId, string? branchId, string? apiKeyId, string? subject,
        Actor actor, DateTime occurredAt, IReadOnlyList<AuditChange>? changes = null, string? note = null)
    {
        Type = type;
        CompanyId = companyId;
        BranchId = branchId;
        ApiKeyId = apiKeyId;
        Subject = subject;
        Actor = actor;
        OccurredAt = occurredAt;
        Changes = changes ?? [];
        Note = note;
    }

    public long Id { get; private set; }
    public AuditEventType Type { get; private set; }
    public string CompanyId { get; private set; } = "";
    /// <summary>Null for what concerns the whole company (its people, its key policy, the quarterly review).</summary>
    public string? BranchId { get; private set; }
    public string? ApiKeyId { get; private set; }
    /// <summary>What the event was about, as it was named then (a key's name).</summary>
    public string? Subject { get; private set; }
    public Actor Actor { get; private set; } = null!;
    public DateTime OccurredAt { get; private set; }
    public IReadOnlyList<AuditChange> Changes { get; private set; } = [];
    public string? Note { get; private set; }
}
