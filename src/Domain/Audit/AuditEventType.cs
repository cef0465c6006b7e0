namespace FieldCamp.Domain.Audit;

/// <summary>Stored as numbers: grouped by hundreds, never renumbered or reused.</summary>
public enum AuditEventType
{
    ApiKeyCreated = 1000,
    ApiKeyUpdated = 1001,
    ApiKeyRotated = 1002,
    ApiKeyRevoked = 1003,
}
