using FieldCamp.Domain.Audit;
using MudBlazor;

namespace FieldCamp.Web.Audit;

/// <summary>The audit log's filter groups, in the order the type filter lists them.</summary>
public enum AuditEventGroup { Keys, Incidents, QuarterlyAudit, Policy, Team, SignIn, Webhooks }

/// <summary>How one event type reads in the audit log and its CSV: a label, a group, an icon and a colour.</summary>
public sealed record AuditEventKind(AuditEventType Type, string Label, AuditEventGroup Group, string Icon, Color Colour)
{
    /// <summary>The stable name the API uses in <c>type</c> and in its filter: snake_case of the enum name.</summary>
    public string ApiName { get; } = AuditEventCatalog.ToApiName(Type);
}

/// <summary>
/// Every <see cref="AuditEventType"/> with the words people read for it. A type missing here would show as its enum name:
/// a unit test walks every value so that a new type cannot go unlabelled.
/// </summary>
public static class AuditEventCatalog
{
    private static readonly AuditEventKind[] Kinds =
    [
        new(AuditEventType.ApiKeyCreated, "Key created", AuditEventGroup.Keys, Icons.Material.Outlined.Key, Color.Success),
        new(AuditEventType.ApiKeyUpdated, "Key edited", AuditEventGroup.Keys, Icons.Material.Outlined.Edit, Color.Info),
        new(AuditEventType.ApiKeyRotated, "Key rotated", AuditEventGroup.Keys, Icons.Material.Outlined.Autorenew, Color.Info),
        new(AuditEventType.ApiKeyRevoked, "Key revoked", AuditEventGroup.Keys, Icons.Material.Outlined.Block, Color.Error),
        new(AuditEventType.RotationStepChanged, "Rotation moved on", AuditEventGroup.Keys, Icons.Material.Outlined.Autorenew, Color.Default),
        new(AuditEventType.RotationChecklistTicked, "Rotation checklist ticked", AuditEventGroup.Keys, Icons.Material.Outlined.Checklist, Color.Default),
        new(AuditEventType.RotationAutoRevokeChosen, "Rotation: automatic revocation chosen", AuditEventGroup.Keys, Icons.Material.Outlined.Timer, Color.Default),
        new(AuditEventType.RotationCancelled, "Rotation cancelled", AuditEventGroup.Keys, Icons.Material.Outlined.Cancel, Color.Warning),
        new(AuditEventType.RotationCompleted, "Rotation completed", AuditEventGroup.Keys, Icons.Material.Outlined.TaskAlt, Color.Success),

        new(AuditEventType.IncidentOpened, "Key reported leaked", AuditEventGroup.Incidents, Icons.Material.Outlined.ReportGmailerrorred, Color.Error),
        new(AuditEventType.IncidentActivityReviewed, "Leak: activity reviewed", AuditEventGroup.Incidents, Icons.Material.Outlined.ManageSearch, Color.Warning),
        new(AuditEventType.IncidentReplacementIssued, "Leak: replacement issued", AuditEventGroup.Incidents, Icons.Material.Outlined.Autorenew, Color.Warning),
        new(AuditEventType.IncidentReplacementSkipped, "Leak: no replacement", AuditEventGroup.Incidents, Icons.Material.Outlined.SkipNext, Color.Warning),
        new(AuditEventType.IncidentClosed, "Leak incident closed", AuditEventGroup.Incidents, Icons.Material.Outlined.TaskAlt, Color.Success),

        new(AuditEventType.AuditDecisionRecorded, "Audit decision recorded", AuditEventGroup.QuarterlyAudit, Icons.Material.Outlined.FactCheck, Color.Info),
        new(AuditEventType.AuditQuarterCompleted, "Quarterly audit completed", AuditEventGroup.QuarterlyAudit, Icons.Material.Outlined.Verified, Color.Success),

        new(AuditEventType.KeyPolicyChanged, "Key policy changed", AuditEventGroup.Policy, Icons.Material.Outlined.Policy, Color.Warning),

        new(AuditEventType.WorkspaceCreated, "Workspace created", AuditEventGroup.Team, Icons.Material.Outlined.Business, Color.Success),
        new(AuditEventType.MemberInvited, "Person invited", AuditEventGroup.Team, Icons.Material.Outlined.ForwardToInbox, Color.Info),
        new(AuditEventType.InvitationAccepted, "Invitation accepted", AuditEventGroup.Team, Icons.Material.Outlined.HowToReg, Color.Success),
        new(AuditEventType.InvitationCancelled, "Invitation cancelled", AuditEventGroup.Team, Icons.Material.Outlined.CancelScheduleSend, Color.Default),
        new(AuditEventType.MemberAdded, "Member added", AuditEventGroup.Team, Icons.Material.Outlined.PersonAdd, Color.Success),
        new(AuditEventType.MemberRoleChanged, "Role changed", AuditEventGroup.Team, Icons.Material.Outlined.ManageAccounts, Color.Warning),
        new(AuditEventType.MemberRemoved, "Member removed", AuditEventGroup.Team, Icons.Material.Outlined.PersonRemove, Color.Error),

        new(AuditEventType.SignInSucceeded, "Signed in", AuditEventGroup.SignIn, Icons.Material.Outlined.Login, Color.Success),
        new(AuditEventType.SignInFailed, "Sign-in failed", AuditEventGroup.SignIn, Icons.Material.Outlined.GppBad, Color.Error),
        new(AuditEventType.SignInThrottled, "Sign-in throttled", AuditEventGroup.SignIn, Icons.Material.Outlined.HourglassTop, Color.Warning),
        new(AuditEventType.SignedOut, "Signed out", AuditEventGroup.SignIn, Icons.Material.Outlined.Logout, Color.Default),

        new(AuditEventType.WebhookCreated, "Webhook endpoint added", AuditEventGroup.Webhooks, Icons.Material.Outlined.Webhook, Color.Success),
        new(AuditEventType.WebhookUpdated, "Webhook endpoint changed", AuditEventGroup.Webhooks, Icons.Material.Outlined.Edit, Color.Info),
        new(AuditEventType.WebhookSecretRotated, "Webhook signing secret rotated", AuditEventGroup.Webhooks, Icons.Material.Outlined.Autorenew, Color.Info),
        new(AuditEventType.WebhookDeleted, "Webhook endpoint deleted", AuditEventGroup.Webhooks, Icons.Material.Outlined.Delete, Color.Error),
    ];

    private static readonly Dictionary<AuditEventType, AuditEventKind> ByType = Kinds.ToDictionary(k => k.Type);
    private static readonly Dictionary<string, AuditEventType> ByApiName = Kinds.ToDictionary(k => k.ApiName, k => k.Type, StringComparer.Ordinal);

    public static IReadOnlyList<AuditEventKind> All => Kinds;

    public static AuditEventKind Of(AuditEventType type) =>
        ByType.TryGetValue(type, out var kind) ? kind : new(type, type.ToString(), AuditEventGroup.Keys, Icons.Material.Outlined.Info, Color.Default);

    public static string GroupLabel(AuditEventGroup group) => group switch
    {
        AuditEventGroup.Keys => "Keys",
        AuditEventGroup.Incidents => "Incidents",
        AuditEventGroup.QuarterlyAudit => "Quarterly audit",
        AuditEventGroup.Policy => "Key policy",
        AuditEventGroup.Team => "Team",
        AuditEventGroup.Webhooks => "Webhooks",
        _ => "Sign-in",
    };

    public static IReadOnlyList<AuditEventType> TypesOf(AuditEventGroup group) => [.. Kinds.Where(k => k.Group == group).Select(k => k.Type)];

    /// <summary>Parses an API type name (<c>api_key_revoked</c>); the enum's own name is accepted too, in any case.</summary>
    public static bool TryParseApiName(string name, out AuditEventType type)
    {
        if (ByApiName.TryGetValue(name.Trim().ToLowerInvariant(), out type)) return true;
        return Enum.TryParse(name.Trim(), ignoreCase: true, out type) && ByType.ContainsKey(type) && !int.TryParse(name, out _);
    }

    internal static string ToApiName(AuditEventType type)
    {
        var name = type.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) builder.Append('_');
            builder.Append(char.ToLowerInvariant(name[i]));
        }
        return builder.ToString();
    }

    /// <summary>One change as people read it: "Expires: 2027-03-01 00:00 UTC → never".</summary>
    public static string ChangeText(AuditEventType type, AuditChange change)
    {
        var to = ChangeValue(change.Field, change.To);
        // A new key's values and an incident's steps have no "before"; neither has a link to a replacement.
        var hasBefore = change.From is not null
            || type is not (AuditEventType.ApiKeyCreated or (>= AuditEventType.IncidentOpened and <= AuditEventType.IncidentClosed)
                or AuditEventType.AuditQuarterCompleted or AuditEventType.WorkspaceCreated or AuditEventType.WebhookCreated
                or AuditEventType.WebhookSecretRotated)
            && change.Field is not ("replacedBy" or "replacement" or "quarter");
        return $"{FieldLabel(change.Field)}: {(hasBefore ? $"{ChangeValue(change.Field, change.From)} → " : "")}{to}";
    }

    /// <summary>The trail stores values as text for machines (ISO instants, space-separated scopes); null means "none".</summary>
    public static string ChangeValue(string field, string? value) => (field, value) switch
    {
        ("expiresAt", null) => "never",
        ("expiresAt", _) when DateTime.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var at) =>
            Dashboard.Humanize.Exact(at),
        ("rateLimit", null) => "shared company limit",
        ("owner", null) => "no owner",
        ("scopes" or "events", _) => string.Join(", ", value?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? []),
        ("previousSecretExpiresAt", _) when DateTime.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var until) =>
            Dashboard.Humanize.Exact(until),
        (_, null) => "none",
        _ => value,
    };

    /// <summary>Who, as one line of text: an e-mail, "key-name (key_…)", or the system's name.</summary>
    public static string ActorText(Actor actor) => actor.Type switch
    {
        ActorType.ApiKey => $"{actor.Name} ({actor.Id})",
        ActorType.System => actor.Name,
        _ => actor.Name,
    };

    /// <summary>A change's field as people read it.</summary>
    public static string FieldLabel(string field) => field switch
    {
        "name" => "Name",
        "scopes" => "Scopes",
        "expiresAt" => "Expires",
        "rateLimit" => "Rate limit",
        "owner" => "Owner",
        "replacedBy" => "Replaced by",
        "incident" => "Incident",
        "source" => "How",
        "url" => "Found at",
        "replacement" => "Replacement",
        "step" => "Step",
        "autoRevokeWhenIdleHours" => "Revoke when idle (hours)",
        "role" => "Role",
        "email" => "E-mail",
        "decision" => "Decision",
        "note" => "Note",
        "quarter" => "Quarter",
        "branch" => "Branch",
        "defaultRateLimit" => "Shared rate limit",
        "defaultExpiry" => "Expiry offered",
        "requireExpiry" => "Expiry required",
        "maxLifetime" => "Maximum lifetime",
        "revokeUnusedAfter" => "Revoke unused keys after",
        "reviewed" => "Reviewed",
        "kept" => "Kept",
        "narrowed" => "Narrowed",
        "rotated" => "Rotated",
        "revoked" => "Revoked",
        "endpoint" => "Endpoint",
        "events" => "Events",
        "description" => "Description",
        "enabled" => "Enabled",
        "previousSecretExpiresAt" => "Old secret signs until",
        _ => field,
    };
}
