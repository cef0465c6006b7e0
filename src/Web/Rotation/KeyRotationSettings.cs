using FieldCamp.Domain.Rotation;

namespace FieldCamp.Web.Rotation;

/// <summary>Bound from <c>ApiKeys:Rotation</c>.</summary>
public sealed class KeyRotationSettings
{
    public const string Section = "ApiKeys:Rotation";

    /// <summary>How long the old key must have been idle before the wizard revokes it without its name typed.</summary>
    public TimeSpan IdleBeforeRevoke { get; set; } = KeyRotation.DefaultIdleBeforeRevoke;

    /// <summary>How often the rotation job looks for old keys due to be revoked automatically.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}
