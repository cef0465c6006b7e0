namespace FieldCamp.Domain.Audit;

/// <summary>Stored as numbers: grouped by hundreds, never renumbered or reused.</summary>
public enum AuditEventType
{
    ApiKeyCreated = 1000,
    ApiKeyUpdated = 1001,
    ApiKeyRotated = 1002,
    ApiKeyRevoked = 1003,

    // A key's guided rotation (KeyRotation); the rotate itself is ApiKeyRotated, on the old key.
    RotationStepChanged = 1100,
    RotationChecklistTicked = 1101,
    RotationAutoRevokeChosen = 1102,
    RotationCancelled = 1103,
    RotationCompleted = 1104,

    // Leaked-key incidents, 1200–1299.
    IncidentOpened = 1200,
    IncidentActivityReviewed = 1201,
    IncidentReplacementIssued = 1202,
    IncidentReplacementSkipped = 1203,
    IncidentClosed = 1204,
}
