using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Domain.Rotation;

/// <summary>Where a rotation stands. Stored as numbers; the first four are the wizard's steps, in order.</summary>
public enum RotationStep
{
    /// <summary>The replacement exists and its secret was handed out once.</summary>
    Minted = 1,
    /// <summary>The integration is being moved to the replacement.</summary>
    Deploying = 2,
    /// <summary>Waiting for the old key to fall silent.</summary>
    WatchingIdle = 3,
    /// <summary>Ready to revoke the old key.</summary>
    RevokeOld = 4,
    /// <summary>The old key is revoked (or otherwise retired): the rotation is over.</summary>
    Completed = 5,
    /// <summary>Called off: the replacement is revoked and the old key carries on.</summary>
    Cancelled = 6,
}

/// <summary>The deploy step's checklist. Ticks are stored by these names.</summary>
public static class RotationChecklist
{
    public const string SecretStore = "secret-store";
    public const string Redeploy = "redeploy";
    public const string TestCall = "test-call";

    public static readonly IReadOnlyList<string> Items = [SecretStore, Redeploy, TestCall];
}

/// <summary>One ticked item of the checklist: when, and by whom (a display name).</summary>
public sealed record RotationTick(string Item, DateTime At, string By);

/// <summary>Why the old key may or may not be revoked yet, for the wizard's last step.</summary>
public sealed record RevokeGate(bool IdleLongEnough, TimeSpan IdleFor, TimeSpan Required, DateTime IdleSince);

/// <summary>
/// A key's guided rotation: the old key, its replacement, and where the admin is in the four steps (mint, deploy, watch
/// the old key go idle, revoke it). Everything the wizard needs to resume is stored here, so another admin, another tab
/// or a restart continues at the same step. One rotation at a time per old key (the store's unique index).
/// Every change queues an audit event on the old key, saved with the change.
/// </summary>
public sealed class KeyRotation
{
    public const int MaxAutoRevokeHours = 720;

    /// <summary>How long the old key must have been idle before it may be revoked without typing its name.</summary>
    public static readonly TimeSpan DefaultIdleBeforeRevoke = TimeSpan.FromHours(24);

    /// <summary>The actor of what the rotation job does by itself.</summary>
    public static readonly Actor SystemActor = new(ActorType.System, "rotation", "rotation");

    private readonly List<AuditEvent> _pendingAuditEvents = [];

    private KeyRotation() { }

    public string Id { get; private set; } = "";
    public string CompanyId { get; private set; } = "";
    public string BranchId { get; private set; } = "";
    public string OldKeyId { get; private set; } = "";
    /// <summary>The old key's name when the rotation began, for the audit trail.</summary>
    public string OldKeyName { get; private set; } = "";
    public string ReplacementKeyId { get; private set; } = "";
    public RotationStep Step { get; private set; }
    public DateTime StartedAt { get; private set; }
    public Actor StartedBy { get; private set; } = null!;
    public DateTime StepChangedAt { get; private set; }
    public IReadOnlyList<RotationTick> Ticks { get; private set; } = [];
    /// <summary>Revoke the old key by itself once the replacement has been used and the old key idle this long.</summary>
    public int? AutoRevokeAfterIdleHours { get; private set; }
    /// <summary>The old key's overlap, in hours, that starts when the replacement is first used (null: none pending).</summary>
    public int? OverlapHoursFromFirstUse { get; private set; }
    /// <summary>The old key's expiry before the rotation, given back if the rotation is cancelled.</summary>
    public DateTime? OldKeyExpiresAtBefore { get; private set; }
    /// <summary>The replacement's first accepted request, as the usage writer saw it.</summary>
    public DateTime? ReplacementFirstUsedAt { get; private set; }
    public string? ReplacementFirstUsedIp { get; private set; }
    public string? ReplacementFirstUsedUserAgent { get; private set; }
    public DateTime? EndedAt { get; private set; }
    public Actor? EndedBy { get; private set; }

    public bool IsActive => Step is >= RotationStep.Minted and <= RotationStep.RevokeOld;

    /// <summary>
    /// Rotates <paramref name="old"/> (the one rotate operation of the API and the dashboard alike) and opens the
    /// rotation record that follows it to the old key's revocation. The secret is the replacement's only copy.
    /// </summary>
    public static (KeyRotation Rotation, ApiKey Replacement, string Secret) Start(ApiKey old, RotationOptions options, Actor actor, DateTime nowUtc)
    {
        if (options.AutoRevokeWhenIdleHours is < 1 or > MaxAutoRevokeHours)
            throw new DomainValidationException(new Dictionary<string, string[]>
            {
                ["autoRevokeWhenIdleHours"] = [$"Choose between 1 and {MaxAutoRevokeHours} hours."],
            });
        var expiryBefore = old.ExpiresAt;
        var (replacement, secret) = old.Rotate(options, actor, nowUtc);
        var rotation = new KeyRotation
        {
            Id = Ids.New("rot", nowUtc),
            CompanyId = old.CompanyId,
            BranchId = old.BranchId,
            OldKeyId = old.Id,
            OldKeyName = old.Name,
            ReplacementKeyId = replacement.Id,
            Step = RotationStep.Minted,
            StartedAt = nowUtc,
            StartedBy = actor with { Ip = null },
            StepChangedAt = nowUtc,
            AutoRevokeAfterIdleHours = options.AutoRevokeWhenIdleHours,
            OverlapHoursFromFirstUse = options.OverlapStartsOnFirstUse ? options.OldKeyExpiresInHours : null,
            OldKeyExpiresAtBefore = expiryBefore,
        };
        return (rotation, replacement, secret);
    }

    /// <summary>Moves to a wizard step: forward one step at a time, or back to any earlier one.</summary>
    public void GoTo(RotationStep step, Actor actor, DateTime nowUtc)
    {
        EnsureActive();
        if (step is < RotationStep.Minted or > RotationStep.RevokeOld || step > Step + 1)
            throw new DomainException($"A rotation at step {(int)Step} cannot move to step {(int)step}.");
        if (step == Step) return;
        Record(AuditEventType.RotationStepChanged, actor, nowUtc, [new("step", StepName(Step), StepName(step))]);
        (Step, StepChangedAt) = (step, nowUtc);
    }

    public void Advance(Actor actor, DateTime nowUtc) => GoTo(Step + 1, actor, nowUtc);

    /// <summary>Ticks (or unticks) an item of the deploy checklist.</summary>
    public void Tick(string item, bool done, Actor actor, DateTime nowUtc)
    {
        EnsureActive();
        if (!RotationChecklist.Items.Contains(item))
            throw new DomainValidationException(new Dictionary<string, string[]>
            {
                ["item"] = [$"Use one of {string.Join(", ", RotationChecklist.Items)}."],
            });
        var ticked = Ticks.Any(t => t.Item == item);
        if (ticked == done) return;
        Ticks = done ? [.. Ticks, new RotationTick(item, nowUtc, actor.Name)] : [.. Ticks.Where(t => t.Item != item)];
        Record(AuditEventType.RotationChecklistTicked, actor, nowUtc, [new(item, ticked ? "done" : null, done ? "done" : null)]);
    }

    public bool IsTicked(string item) => Ticks.Any(t => t.Item == item);

    /// <summary>Chooses (or, with null, drops) revoking the old key by itself once it has been idle this many hours.</summary>
    public void ChooseAutoRevoke(int? idleHours, Actor actor, DateTime nowUtc)
    {
        EnsureActive();
        if (idleHours is < 1 or > MaxAutoRevokeHours)
            throw new DomainValidationException(new Dictionary<string, string[]>
            {
                ["autoRevokeWhenIdleHours"] = [$"Choose between 1 and {MaxAutoRevokeHours} hours."],
            });
        if (idleHours == AutoRevokeAfterIdleHours) return;
        Record(AuditEventType.RotationAutoRevokeChosen, actor, nowUtc,
            [new("autoRevokeWhenIdleHours", AutoRevokeAfterIdleHours?.ToString(), idleHours?.ToString())]);
        AutoRevokeAfterIdleHours = idleHours;
    }

    /// <summary>
    /// Notes the replacement's first accepted request, once. An overlap chosen to start on first use starts now: the
    /// old key stops working that many hours after it.
    /// </summary>
    public void ReplacementSeen(ApiKey old, DateTime firstUsedAt, string? ip, string? userAgent, DateTime nowUtc)
    {
        EnsureIsOld(old);
        if (ReplacementFirstUsedAt is not null) return;
        (ReplacementFirstUsedAt, ReplacementFirstUsedIp, ReplacementFirstUsedUserAgent) = (firstUsedAt, ip, userAgent);
        if (IsActive && OverlapHoursFromFirstUse is { } hours) old.EndOverlapAt(firstUsedAt.AddHours(hours), SystemActor, nowUtc);
    }

    /// <summary>How long the old key has been idle: since its last use, or since the rotation began if unused since.</summary>
    public TimeSpan IdleFor(ApiKey old, DateTime nowUtc) => nowUtc - IdleSince(old);

    public DateTime IdleSince(ApiKey old) => old.LastUsedAt is { } used && used > StartedAt ? used : StartedAt;

    public RevokeGate RevokeGateFor(ApiKey old, TimeSpan idleBeforeRevoke, DateTime nowUtc)
    {
        var idle = IdleFor(old, nowUtc);
        return new RevokeGate(idle >= idleBeforeRevoke, idle, idleBeforeRevoke, IdleSince(old));
    }

    /// <summary>
    /// Revokes the old key and ends the rotation. Allowed once the old key has been idle the full period; before that
    /// only when the person typed the key's name, having seen its last use.
    /// </summary>
    public void RevokeOld(ApiKey old, string? typedName, TimeSpan idleBeforeRevoke, Actor actor, DateTime nowUtc)
    {
        EnsureIsOld(old);
        EnsureActive();
        if (!RevokeGateFor(old, idleBeforeRevoke, nowUtc).IdleLongEnough && !string.Equals(typedName?.Trim(), old.Name, StringComparison.Ordinal))
            throw new DomainException(
                $"The old key was used {Hours(IdleFor(old, nowUtc))} ago; type its name to revoke it before it has been idle {Hours(idleBeforeRevoke)}.");
        if (old.RevokedAt is null) old.Revoke(actor, nowUtc);
        End(RotationStep.Completed, AuditEventType.RotationCompleted, actor, nowUtc, "The old key was revoked.");
    }

    /// <summary>Due when automatic revocation was chosen, the replacement has been used, and the old key idle long enough.</summary>
    public bool IsAutoRevokeDue(ApiKey old, DateTime nowUtc) =>
        IsActive && AutoRevokeAfterIdleHours is { } hours && ReplacementFirstUsedAt is not null && old.RevokedAt is null
        && IdleFor(old, nowUtc) >= TimeSpan.FromHours(hours);

    /// <summary>The job's revocation, by the system: only when due.</summary>
    public void AutoRevoke(ApiKey old, DateTime nowUtc)
    {
        EnsureIsOld(old);
        if (!IsAutoRevokeDue(old, nowUtc)) throw new DomainException("Automatic revocation is not due for this rotation.");
        old.Revoke(SystemActor, nowUtc);
        End(RotationStep.Completed, AuditEventType.RotationCompleted, SystemActor, nowUtc,
            $"Revoked automatically: the replacement is in use and the old key was idle {AutoRevokeAfterIdleHours} h.");
    }

    /// <summary>Calls the rotation off: the replacement is revoked and the old key is as it was before (unless expired since).</summary>
    public void Cancel(ApiKey old, ApiKey replacement, Actor actor, DateTime nowUtc)
    {
        EnsureIsOld(old);
        if (replacement.Id != ReplacementKeyId) throw new ArgumentException("Not this rotation's replacement.", nameof(replacement));
        EnsureActive();
        if (replacement.RevokedAt is null) replacement.Revoke(actor, nowUtc);
        old.UndoReplacement(ReplacementKeyId, OldKeyExpiresAtBefore, actor, nowUtc);
        End(RotationStep.Cancelled, AuditEventType.RotationCancelled, actor, nowUtc, "The replacement was revoked.");
    }

    /// <summary>
    /// Ends the rotation because one of its keys was retired by other means: the old key revoked or expired (done), or
    /// the replacement revoked (cancelled, and the old key carries on as before).
    /// </summary>
    public void KeyRetired(ApiKey old, ApiKey replacement, Actor actor, DateTime nowUtc)
    {
        EnsureIsOld(old);
        if (!IsActive) return;
        if (replacement.RevokedAt is not null)
        {
            old.UndoReplacement(ReplacementKeyId, OldKeyExpiresAtBefore, actor, nowUtc);
            End(RotationStep.Cancelled, AuditEventType.RotationCancelled, actor, nowUtc, "The replacement was revoked.");
        }
        else if (!old.IsUsableAt(nowUtc))
        {
            End(RotationStep.Completed, AuditEventType.RotationCompleted, actor, nowUtc,
                old.RevokedAt is null ? "The old key's overlap ended." : "The old key was revoked.");
        }
    }

    public IReadOnlyList<AuditEvent> TakeAuditEvents()
    {
        var events = _pendingAuditEvents.ToList();
        _pendingAuditEvents.Clear();
        return events;
    }

    public static string StepName(RotationStep step) => step switch
    {
        RotationStep.Minted => "mint",
        RotationStep.Deploying => "deploy",
        RotationStep.WatchingIdle => "watch",
        RotationStep.RevokeOld => "revoke",
        RotationStep.Completed => "completed",
        RotationStep.Cancelled => "cancelled",
        _ => step.ToString(),
    };

    /// <summary>"7 h", "45 min", "3 d 4 h".</summary>
    public static string Hours(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span < TimeSpan.FromHours(1)) return $"{(int)span.TotalMinutes} min";
        if (span < TimeSpan.FromDays(2)) return $"{(int)span.TotalHours} h";
        return span.Hours == 0 ? $"{span.Days} d" : $"{span.Days} d {span.Hours} h";
    }

    private void End(RotationStep step, AuditEventType type, Actor actor, DateTime nowUtc, string note)
    {
        (Step, StepChangedAt, EndedAt, EndedBy) = (step, nowUtc, nowUtc, actor with { Ip = null });
        _pendingAuditEvents.Add(new AuditEvent(type, CompanyId, BranchId, OldKeyId, OldKeyName, actor, nowUtc,
            [new("replacement", null, ReplacementKeyId)], note));
    }

    private void Record(AuditEventType type, Actor actor, DateTime nowUtc, IReadOnlyList<AuditChange> changes) =>
        _pendingAuditEvents.Add(new AuditEvent(type, CompanyId, BranchId, OldKeyId, OldKeyName, actor, nowUtc, changes));

    private void EnsureActive()
    {
        if (Step == RotationStep.Completed) throw new DomainException("This rotation is complete: the old key is retired.");
        if (Step == RotationStep.Cancelled) throw new DomainException("This rotation was cancelled.");
    }

    private void EnsureIsOld(ApiKey old)
    {
        if (old.Id != OldKeyId) throw new ArgumentException("Not this rotation's old key.", nameof(old));
    }
}
