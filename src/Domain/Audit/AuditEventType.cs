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

    // The owners' quarterly key review, 1300–1399.
    AuditDecisionRecorded = 1300,
    AuditQuarterCompleted = 1301,

    // The company's key policy, 1400–1499.
    KeyPolicyChanged = 1400,

    // People: the workspace, invitations and memberships, 1500–1599.
    WorkspaceCreated = 1500,
    MemberInvited = 1501,
    InvitationAccepted = 1502,
    InvitationCancelled = 1503,
    MemberAdded = 1504,
    MemberRoleChanged = 1505,
    MemberRemoved = 1506,

    // Signing in and out of the dashboard, 1600–1699.
    SignInSucceeded = 1600,
    SignInFailed = 1601,
    SignInThrottled = 1602,
    SignedOut = 1603,

    // Webhook endpoints, 1700–1799.
    WebhookCreated = 1700,
    WebhookUpdated = 1701,
    WebhookSecretRotated = 1702,
    WebhookDeleted = 1703,
}
