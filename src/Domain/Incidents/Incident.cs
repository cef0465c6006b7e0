using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Domain.Incidents;

/// <summary>How a leak came to be known. Stored as numbers; never renumbered or reused.</summary>
public enum IncidentSource
{
    /// <summary>A person pressed "Report leaked" on the key's page.</summary>
    Manual = 1,
    /// <summary>A secret scanner found the key in public and reported it (GitHub's partner program).</summary>
    SecretScanning = 2,
}

/// <summary>Where the response stands. Stored as numbers; never renumbered or reused.</summary>
public enum IncidentStep
{
    /// <summary>The key is revoked; the activity around the leak is next.</summary>
    ReviewActivity = 2,
    /// <summary>The activity was reviewed; a replacement (or none) is next.</summary>
    Replace = 3,
    /// <summary>Wherever the leaked key was stored is being cleaned up.</summary>
    Checklist = 4,
    Closed = 5,
}

/// <summary>One place a leaked secret may still sit, to be checked and cleaned by a person.</summary>
public sealed record ChecklistItem(string Id, string Label, string Hint);

/// <summary>A checklist item done: when, and by whom.</summary>
public sealed record ChecklistTick(string Item, DateTime At, Actor By);

/// <summary>
/// The response to one leaked key: opened the moment the key is revoked, then the activity seen around the leak, the
/// replacement issued (if any) and the places the secret was cleaned from, until it is closed. The record is the
/// response's memory: it is saved after each step, so the flow resumes where it stood, whoever opens it next.
/// Never holds a secret: keys are named by id and name.
/// </summary>
public sealed class Incident
{
    public const int UrlMaxLength = 2000;

    public static readonly IReadOnlyList<ChecklistItem> Checklist =
    [
        new("secrets-manager", "Secrets manager", "Vault, AWS Secrets Manager, 1Password, Doppler: replace the old value, remove old versions."),
        new("ci-variables", "CI variables", "GitHub Actions, GitLab CI and other pipelines' secrets and variables."),
        new("env-files", "Local .env files", "Developers' machines and any .env file that was committed or shared."),
        new("deployment-platform", "Deployment platform", "The environment settings of the hosts that run the integration."),
        new("cached-copies", "Cached copies", "Chat messages, tickets, wikis, shell histories, build logs and backups."),
    ];

    private readonly List<AuditEvent> _pendingAuditEvents = [];

    private Incident() { }

    public string Id { get; private set; } = "";
    public string CompanyId { get; private set; } = "";
    public string BranchId { get; private set; } = "";
    public string ApiKeyId { get; private set; } = "";
    /// <summary>The key's name when the leak was reported.</summary>
    public string KeyName { get; private set; } = "";
    public IncidentSource Source { get; private set; }
    /// <summary>The person who reported it, or the secret scanner.</summary>
    public Actor ReportedBy { get; private set; } = null!;
    /// <summary>Where a secret scanner found the key (a commit, a gist), when it said.</summary>
    public string? ReportedUrl { get; private set; }
    public DateTime OpenedAt { get; private set; }
    public IncidentStep Step { get; private set; }
    /// <summary>The activity summary as it was shown when the person reviewed it (JSON of <see cref="LeakActivity"/>).</summary>
    public string? ActivitySummary { get; private set; }
    public DateTime? ActivityReviewedAt { get; private set; }
    public string? ReplacementKeyId { get; private set; }
    public IReadOnlyList<ChecklistTick> Ticks { get; private set; } = [];
    public DateTime? ClosedAt { get; private set; }
    public Actor? ClosedBy { get; private set; }

    public bool IsOpen => ClosedAt is null;

    /// <summary>
    /// Opens the response to a leak of <paramref name="key"/>, revoking the key first if it still works: nothing about the
    /// leak is worth a second of the key staying usable. A key already revoked (by hand, a moment ago) is taken as it is.
    /// </summary>
    public static Incident Open(ApiKey key, IncidentSource source, Actor reporter, DateTime nowUtc, string? reportedUrl = null)
    {
        if (key.RevokedAt is null) key.Revoke(reporter, nowUtc);
        if (reportedUrl is { Length: > UrlMaxLength }) reportedUrl = reportedUrl[..UrlMaxLength];
        var incident = new Incident
        {
            Id = Ids.New("inc", nowUtc),
            CompanyId = key.CompanyId,
            BranchId = key.BranchId,
            ApiKeyId = key.Id,
            KeyName = key.Name,
            Source = source,
            ReportedBy = reporter with { Ip = null },
            ReportedUrl = string.IsNullOrWhiteSpace(reportedUrl) ? null : reportedUrl,
            OpenedAt = nowUtc,
            Step = IncidentStep.ReviewActivity,
        };
        AuditChange[] changes =
        [
            new("incident", null, incident.Id),
            new("source", null, source == IncidentSource.SecretScanning ? "secret scanning" : "reported by a person"),
            new("url", null, incident.ReportedUrl),
        ];
        incident.Record(AuditEventType.IncidentOpened, reporter, nowUtc, [.. changes.Where(c => c.To is not null)]);
        return incident;
    }

    /// <summary>
    /// Keeps the activity summary the person saw. It can be looked at again (another window) until a replacement is
    /// chosen; what was seen last is what the record keeps.
    /// </summary>
    public void RecordActivity(string summaryJson, Actor actor, DateTime nowUtc)
    {
        EnsureOpen();
        if (Step is not (IncidentStep.ReviewActivity or IncidentStep.Replace))
            throw new DomainException("The activity was reviewed and the response has moved on; it can no longer be changed.");
        if (string.IsNullOrWhiteSpace(summaryJson)) throw new ArgumentException("A summary is required.", nameof(summaryJson));
        ActivitySummary = summaryJson;
        ActivityReviewedAt = nowUtc;
        Step = IncidentStep.Replace;
        Record(AuditEventType.IncidentActivityReviewed, actor, nowUtc);
    }

    /// <summary>Notes the key issued to take the leaked key's place.</summary>
    public void AttachReplacement(ApiKey replacement, Actor actor, DateTime nowUtc)
    {
        EnsureAt(IncidentStep.Replace, "A replacement can be issued once the activity was reviewed, and only once.");
        if (replacement.CompanyId != CompanyId || replacement.BranchId != BranchId)
            throw new DomainException("The replacement must belong to the leaked key's branch.");
        ReplacementKeyId = replacement.Id;
        Step = IncidentStep.Checklist;
        Record(AuditEventType.IncidentReplacementIssued, actor, nowUtc, [new("replacement", null, replacement.Id)]);
    }

    /// <summary>No replacement: the integration is retired, or gets a key some other way.</summary>
    public void SkipReplacement(Actor actor, DateTime nowUtc)
    {
        EnsureAt(IncidentStep.Replace, "The replacement step is not the current one.");
        Step = IncidentStep.Checklist;
        Record(AuditEventType.IncidentReplacementSkipped, actor, nowUtc);
    }

    /// <summary>Ticks (or unticks) one checklist item; a tick keeps its time and who made it.</summary>
    public void Tick(string item, bool done, Actor actor, DateTime nowUtc)
    {
        EnsureAt(IncidentStep.Checklist, "The checklist comes after the replacement step.");
        if (Checklist.All(c => c.Id != item)) throw new DomainException($"There is no checklist item '{item}'.");
        var ticks = Ticks.Where(t => t.Item != item).ToList();
        if (done) ticks.Add(new ChecklistTick(item, nowUtc, actor with { Ip = null }));
        // In the checklist's own order, whatever the order of ticking.
        Ticks = [.. ticks.OrderBy(t => Checklist.ToList().FindIndex(c => c.Id == t.Item))];
    }

    public bool IsTicked(string item) => Ticks.Any(t => t.Item == item);

    public bool ChecklistDone => Checklist.All(c => IsTicked(c.Id));

    /// <summary>Ends the response; every place on the checklist must have been checked first.</summary>
    public void Close(Actor actor, DateTime nowUtc)
    {
        EnsureAt(IncidentStep.Checklist, "An incident is closed from its checklist step.");
        if (!ChecklistDone)
        {
            var left = Checklist.Where(c => !IsTicked(c.Id)).Select(c => c.Label);
            throw new DomainException($"Tick every place on the checklist first; not yet: {string.Join(", ", left)}.");
        }
        ClosedAt = nowUtc;
        ClosedBy = actor with { Ip = null };
        Step = IncidentStep.Closed;
        Record(AuditEventType.IncidentClosed, actor, nowUtc, [new("incident", null, Id)]);
    }

    /// <summary>Hands over the audit events queued since the last call, for saving with the change.</summary>
    public IReadOnlyList<AuditEvent> TakeAuditEvents()
    {
        var events = _pendingAuditEvents.ToList();
        _pendingAuditEvents.Clear();
        return events;
    }

    private void Record(AuditEventType type, Actor actor, DateTime nowUtc, IReadOnlyList<AuditChange>? changes = null) =>
        _pendingAuditEvents.Add(new AuditEvent(type, CompanyId, BranchId, ApiKeyId, KeyName, actor, nowUtc,
            changes ?? [new("incident", null, Id)]));

    private void EnsureOpen()
    {
        if (ClosedAt is not null) throw new DomainException("This incident is closed.");
    }

    private void EnsureAt(IncidentStep step, string message)
    {
        EnsureOpen();
        if (Step != step) throw new DomainException(message);
    }
}
