using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Domain.Oversight;

/// <summary>What an owner decided for a key in the quarterly review. Stored as numbers; never renumbered or reused.</summary>
public enum ReviewDecision
{
    Keep = 1,
    Narrow = 2,
    Rotate = 3,
    Revoke = 4,
}

/// <summary>A key as the review found it when it opened: the review keeps its name and scopes even if the key changes later.</summary>
public sealed record ReviewedKey(string ApiKeyId, string BranchId, string Name, IReadOnlyList<string> Scopes);

/// <summary>The counts a finished (or unfinished) review is summed up by.</summary>
public sealed record ReviewSummary(int Reviewed, int Decided, int Kept, int Narrowed, int Rotated, int Revoked);

/// <summary>One key of a review, and the owner's decision about it.</summary>
public sealed class ReviewItem
{
    public const int NoteMaxLength = 500;

    private ReviewItem() { }

    internal ReviewItem(ReviewedKey key)
    {
        ApiKeyId = key.ApiKeyId;
        BranchId = key.BranchId;
        KeyName = key.Name;
        Scopes = [.. key.Scopes];
    }

    public long Id { get; private set; }
    public string ReviewId { get; private set; } = "";
    public string ApiKeyId { get; private set; } = "";
    public string BranchId { get; private set; } = "";
    /// <summary>The key's name when the review opened.</summary>
    public string KeyName { get; private set; } = "";
    /// <summary>The key's scopes when the review opened.</summary>
    public IReadOnlyList<string> Scopes { get; private set; } = [];
    public ReviewDecision? Decision { get; private set; }
    public string? Note { get; private set; }
    public DateTime? DecidedAt { get; private set; }
    public Actor? DecidedBy { get; private set; }

    internal void Decide(ReviewDecision decision, string? note, Actor actor, DateTime nowUtc) =>
        (Decision, Note, DecidedAt, DecidedBy) = (decision, note, nowUtc, actor with { Ip = null, UserAgent = null });
}

/// <summary>
/// An owner's review of every active key of the company for one quarter. It opens with the keys active at that moment
/// (keys created later belong to the next quarter's review); each key gets a decision; once every key has one, an owner
/// marks it complete, and from then on it is a record that no longer changes.
/// </summary>
public sealed class QuarterlyReview
{
    private readonly List<ReviewItem> _items = [];
    private readonly List<AuditEvent> _pendingAuditEvents = [];

    private QuarterlyReview() { }

    public string Id { get; private set; } = "";
    public string CompanyId { get; private set; } = "";
    public int Year { get; private set; }
    public int Number { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public Actor CreatedBy { get; private set; } = null!;
    public DateTime? CompletedAt { get; private set; }
    public Actor? CompletedBy { get; private set; }
    /// <summary>When a decision last changed; every decision touches the review, so one racing a completion fails.</summary>
    public DateTime? LastDecidedAt { get; private set; }
    public IReadOnlyList<ReviewItem> Items => _items;

    public Quarter Quarter => new(Year, Number);
    public bool IsComplete => CompletedAt is not null;
    public int DecidedCount => _items.Count(i => i.Decision is not null);
    public bool CanComplete => !IsComplete && _items.All(i => i.Decision is not null);

    public ReviewSummary Summary => new(_items.Count, DecidedCount,
        Count(ReviewDecision.Keep), Count(ReviewDecision.Narrow), Count(ReviewDecision.Rotate), Count(ReviewDecision.Revoke));

    /// <summary>Opens the company's review of <paramref name="quarter"/> over the keys active now.</summary>
    public static QuarterlyReview Open(string companyId, Quarter quarter, IEnumerable<ReviewedKey> activeKeys, Actor actor, DateTime nowUtc)
    {
        var review = new QuarterlyReview
        {
            Id = Ids.New("qr", nowUtc),
            CompanyId = companyId,
            Year = quarter.Year,
            Number = quarter.Number,
            CreatedAt = nowUtc,
            CreatedBy = actor with { Ip = null, UserAgent = null },
        };
        review._items.AddRange(activeKeys.DistinctBy(k => k.ApiKeyId).Select(k => new ReviewItem(k)));
        return review;
    }

    /// <summary>Records (or changes) the decision about one key of the review, with an optional note.</summary>
    public ReviewItem Decide(string apiKeyId, ReviewDecision decision, string? note, Actor actor, DateTime nowUtc)
    {
        EnsureOpen();
        if (!Enum.IsDefined(decision)) throw new DomainException("Choose keep, narrow, rotate or revoke.");
        var item = _items.FirstOrDefault(i => i.ApiKeyId == apiKeyId)
            ?? throw new DomainException("This key is not part of the review: it was created after the review opened.");
        note = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (note is { Length: > ReviewItem.NoteMaxLength })
            throw new DomainValidationException(new Dictionary<string, string[]> { ["note"] = [$"Keep the note within {ReviewItem.NoteMaxLength} characters."] });

        var before = item.Decision;
        var noteBefore = item.Note;
        item.Decide(decision, note, actor, nowUtc);
        LastDecidedAt = nowUtc;
        var changes = new List<AuditChange> { new("quarter", null, Quarter.ToString()), new("decision", before is null ? null : Label(before), Label(decision)) };
        if (note != noteBefore) changes.Add(new("note", noteBefore, note));
        _pendingAuditEvents.Add(new AuditEvent(AuditEventType.AuditDecisionRecorded, CompanyId, item.BranchId, item.ApiKeyId, item.KeyName,
            actor, nowUtc, changes));
        return item;
    }

    /// <summary>Marks the review complete: only when every key has a decision, and only once.</summary>
    public void Complete(Actor actor, DateTime nowUtc)
    {
        EnsureOpen();
        var undecided = _items.Count(i => i.Decision is null);
        if (undecided > 0)
            throw new DomainException($"{undecided} of {_items.Count} keys still need a decision before the review can be marked complete.");
        CompletedAt = nowUtc;
        CompletedBy = actor with { Ip = null, UserAgent = null };
        var summary = Summary;
        AuditChange[] changes =
        [
            new("quarter", null, Quarter.ToString()),
            new("reviewed", null, summary.Reviewed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("kept", null, summary.Kept.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("narrowed", null, summary.Narrowed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("rotated", null, summary.Rotated.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("revoked", null, summary.Revoked.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
        // Company-wide: the review spans every branch, so the event has none.
        _pendingAuditEvents.Add(new AuditEvent(AuditEventType.AuditQuarterCompleted, CompanyId, null, null, $"Quarterly audit {Quarter.Label}",
            actor, nowUtc, changes));
    }

    public IReadOnlyList<AuditEvent> TakeAuditEvents()
    {
        var events = _pendingAuditEvents.ToList();
        _pendingAuditEvents.Clear();
        return events;
    }

    public static string Label(ReviewDecision? decision) => decision switch
    {
        ReviewDecision.Keep => "keep",
        ReviewDecision.Narrow => "narrow",
        ReviewDecision.Rotate => "rotate",
        ReviewDecision.Revoke => "revoke",
        _ => "",
    };

    private int Count(ReviewDecision decision) => _items.Count(i => i.Decision == decision);

    private void EnsureOpen()
    {
        if (IsComplete)
            throw new DomainException($"The review of {Quarter.Label} was marked complete {CompletedAt:yyyy-MM-dd} and can no longer change.");
    }
}
