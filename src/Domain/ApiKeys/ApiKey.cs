using System.Text;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Domain.ApiKeys;

/// <summary>What a new key should be. Validated by <see cref="ApiKey.Create"/>.</summary>
public sealed record NewApiKey(
    string Name,
    IEnumerable<string> Scopes,
    DateTime? ExpiresAt = null,
    int? RateLimitPerMinute = null,
    string? OwnerId = null);

/// <summary>A value to set, possibly null. A null <see cref="Set{T}"/> means "leave unchanged".</summary>
public sealed record Set<T>(T Value);

/// <summary>Fields to change on a key; null fields are left as they are.</summary>
public sealed record ApiKeyUpdate(
    string? Name = null,
    IEnumerable<string>? Scopes = null,
    Set<DateTime?>? ExpiresAt = null,
    Set<int?>? RateLimitPerMinute = null,
    Set<string?>? OwnerId = null);

/// <summary>
/// How to rotate: optionally narrower scopes, an explicit expiry, and how long the old key keeps working (from now, or
/// from the replacement's first use). The dashboard may also rename the replacement, change its owner and, after an
/// explicit warning, widen its scopes (never beyond what the person may grant: the caller checks that).
/// <see cref="AutoRevokeWhenIdleHours"/> is the rotation's own choice (see <c>KeyRotation</c>).
/// </summary>
public sealed record RotationOptions(
    IEnumerable<string>? Scopes = null,
    Set<DateTime?>? ExpiresAt = null,
    int? OldKeyExpiresInHours = null,
    bool OverlapStartsOnFirstUse = false,
    int? AutoRevokeWhenIdleHours = null,
    string? Name = null,
    Set<string?>? OwnerId = null,
    bool AllowWiderScopes = false);

/// <summary>
/// An API key bound to one branch. The secret itself is never stored: only its SHA-256 digest and a hint.
/// Every lifecycle change goes through a method here and queues an <see cref="AuditEvent"/>, which the store
/// saves in the same transaction as the change.
/// </summary>
public sealed class ApiKey
{
    public const int NameMaxLength = 100;
    public const int MaxRequestsPerMinute = 1_000_000;
    public const int MaxOverlapHours = 720;
    /// <summary>The furthest expiry a key may be given, from now.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(3653);

    private readonly List<AuditEvent> _pendingAuditEvents = [];

    private ApiKey() { }

    public string Id { get; private set; } = "";
    public string CompanyId { get; private set; } = "";
    public string BranchId { get; private set; } = "";
    public string Name { get; private set; } = "";
    /// <summary>The team member responsible for the integration.</summary>
    public string? OwnerId { get; private set; }
    public IReadOnlyList<string> Scopes { get; private set; } = [];
    public byte[] SecretHash { get; private set; } = [];
    public string Hint { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public Actor CreatedBy { get; private set; } = null!;
    public DateTime? ExpiresAt { get; private set; }
    /// <summary>A limit of the key's own; null means the key draws on the company's shared limit.</summary>
    public int? RateLimitPerMinute { get; private set; }
    public DateTime? LastUsedAt { get; private set; }
    public string? LastUsedIp { get; private set; }
    public string? LastUsedUserAgent { get; private set; }
    public DateTime? RevokedAt { get; private set; }
    public Actor? RevokedBy { get; private set; }
    public string? ReplacesKeyId { get; private set; }
    public string? ReplacedByKeyId { get; private set; }

    /// <summary>Mints a key. The returned secret is the only copy there will ever be.</summary>
    public static (ApiKey Key, string Secret) Create(string companyId, string branchId, NewApiKey spec, Actor actor, DateTime nowUtc)
    {
        var errors = Validate(spec, nowUtc);
        if (errors.Count > 0) throw new DomainValidationException(errors);
        var name = spec.Name.Trim();
        var scopes = FieldCamp.Domain.ApiKeys.Scopes.Normalize(spec.Scopes, out _);

        var secret = ApiKeySecret.Generate();
        var key = new ApiKey
        {
            Id = Ids.New("key", nowUtc),
            CompanyId = companyId,
            BranchId = branchId,
            Name = name,
            OwnerId = spec.OwnerId,
            Scopes = [.. scopes],
            SecretHash = ApiKeySecret.ComputeDigest(secret),
            Hint = ApiKeySecret.Hint(secret),
            CreatedAt = nowUtc,
            CreatedBy = actor with { Ip = null },
            ExpiresAt = spec.ExpiresAt,
            RateLimitPerMinute = spec.RateLimitPerMinute,
        };
        AuditChange[] initial =
        [
            new("name", null, key.Name),
            new("scopes", null, string.Join(' ', key.Scopes)),
            new("expiresAt", null, Format(key.ExpiresAt)),
            new("rateLimit", null, Format(key.RateLimitPerMinute)),
            new("owner", null, key.OwnerId),
        ];
        key.Record(AuditEventType.ApiKeyCreated, actor, nowUtc, [.. initial.Where(c => c.To is not null)]);
        return (key, secret);
    }

    /// <summary>
    /// The problems with a would-be key, by field (API spelling); empty when it can be created. Forms call this to
    /// show messages inline; <see cref="Create"/> enforces the same rules.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> Validate(NewApiKey spec, DateTime nowUtc)
    {
        var errors = new Dictionary<string, string[]>();
        ValidName(spec.Name, errors);
        ValidScopes(spec.Scopes, errors);
        ValidateExpiry(spec.ExpiresAt, nowUtc, errors);
        ValidateRateLimit(spec.RateLimitPerMinute, errors);
        return errors;
    }

    /// <summary>Applies the given changes; records only fields whose value actually changed.</summary>
    public void Update(ApiKeyUpdate update, Actor actor, DateTime nowUtc)
    {
        EnsureNotRevoked();
        var errors = new Dictionary<string, string[]>();
        var name = update.Name is null ? Name : ValidName(update.Name, errors);
        var scopes = update.Scopes is null ? Scopes : ValidScopes(update.Scopes, errors);
        if (update.ExpiresAt is not null) ValidateExpiry(update.ExpiresAt.Value, nowUtc, errors);
        if (update.RateLimitPerMinute is not null) ValidateRateLimit(update.RateLimitPerMinute.Value, errors);
        if (errors.Count > 0) throw new DomainValidationException(errors);
        if (update.ExpiresAt is not null && Lengthens(ExpiresAt, update.ExpiresAt.Value)) EnsureLifeMayBeLengthened(nowUtc);

        var changes = new List<AuditChange>();
        if (name != Name) changes.Add(new("name", Name, name));
        if (!scopes.SequenceEqual(Scopes)) changes.Add(new("scopes", string.Join(' ', Scopes), string.Join(' ', scopes)));
        var expiresAt = update.ExpiresAt is null ? ExpiresAt : update.ExpiresAt.Value;
        if (expiresAt != ExpiresAt) changes.Add(new("expiresAt", Format(ExpiresAt), Format(expiresAt)));
        var limit = update.RateLimitPerMinute is null ? RateLimitPerMinute : update.RateLimitPerMinute.Value;
        if (limit != RateLimitPerMinute) changes.Add(new("rateLimit", Format(RateLimitPerMinute), Format(limit)));
        var ownerId = update.OwnerId is null ? OwnerId : update.OwnerId.Value;
        if (ownerId != OwnerId) changes.Add(new("owner", OwnerId, ownerId));
        if (changes.Count == 0) return;

        (Name, Scopes, ExpiresAt, RateLimitPerMinute, OwnerId) = (name, [.. scopes], expiresAt, limit, ownerId);
        Record(AuditEventType.ApiKeyUpdated, actor, nowUtc, changes);
    }

    /// <summary>
    /// Mints this key's replacement: the same scopes (or narrower), the same limit and owner, a fresh expiry
    /// (by default the same lifetime the old key was given). The old key keeps working until its overlap ends.
    /// </summary>
    public (ApiKey Replacement, string Secret) Rotate(RotationOptions options, Actor actor, DateTime nowUtc)
    {
        EnsureNotRevoked();
        if (ReplacedByKeyId is not null)
            throw new DomainException($"This key was already rotated; rotate its replacement {ReplacedByKeyId} instead.");
        if (!IsUsableAt(nowUtc))
            throw new DomainException("This key has expired and cannot be rotated; create a new key instead.");

        var errors = new Dictionary<string, string[]>();
        IReadOnlyList<string> scopes = Scopes;
        if (options.Scopes is not null)
        {
            scopes = ValidScopes(options.Scopes, errors);
            var wider = FieldCamp.Domain.ApiKeys.Scopes.NotGrantableBy(Scopes, scopes);
            if (wider.Count > 0 && !options.AllowWiderScopes)
                errors["scopes"] = [$"A replacement can only keep or narrow the scopes; not held by this key: {string.Join(", ", wider)}."];
        }
        if (options.OldKeyExpiresInHours is { } hours and (< 0 or > MaxOverlapHours))
            errors["oldKeyExpiresInHours"] = [$"Choose between 0 and {MaxOverlapHours} hours."];
        if (options.OverlapStartsOnFirstUse && options.OldKeyExpiresInHours is null)
            errors["overlapStartsOnFirstUse"] = ["Give oldKeyExpiresInHours too: the overlap that starts when the replacement is first used."];
        var name = options.Name is null ? Name : ValidName(options.Name, errors);
        var newExpiry = options.ExpiresAt is not null ? options.ExpiresAt.Value : ReplacementExpiry(nowUtc);
        ValidateExpiry(newExpiry, nowUtc, errors);
        if (errors.Count > 0) throw new DomainValidationException(errors);

        var (replacement, secret) = Create(CompanyId, BranchId,
            new NewApiKey(name, scopes, newExpiry, RateLimitPerMinute, options.OwnerId is null ? OwnerId : options.OwnerId.Value), actor, nowUtc);
        replacement.ReplacesKeyId = Id;
        ReplacedByKeyId = replacement.Id;

        var changes = new List<AuditChange> { new("replacedBy", null, replacement.Id) };
        // An overlap that starts on first use is set later, by EndOverlapAt, when the replacement's first request is written.
        if (options.OldKeyExpiresInHours is { } overlap && !options.OverlapStartsOnFirstUse)
        {
            var cutoff = nowUtc.AddHours(overlap);
            if (ExpiresAt is null || cutoff < ExpiresAt)
            {
                changes.Add(new("expiresAt", Format(ExpiresAt), Format(cutoff)));
                ExpiresAt = cutoff;
            }
        }
        Record(AuditEventType.ApiKeyRotated, actor, nowUtc, changes);
        return (replacement, secret);
    }

    /// <summary>By default a replacement gets the lifetime this key was given, never more than the maximum; none if it had none.</summary>
    public DateTime? ReplacementExpiry(DateTime nowUtc)
    {
        var lifetime = ExpiresAt - CreatedAt is { } given && given < MaxLifetime ? given : MaxLifetime;
        return ExpiresAt is null ? null : nowUtc + lifetime;
    }

    /// <summary>
    /// Ends a replaced key's overlap at <paramref name="cutoff"/> (the replacement's first use plus the chosen hours), or
    /// leaves it when it already ends sooner: an overlap is only ever shortened.
    /// </summary>
    public void EndOverlapAt(DateTime cutoff, Actor actor, DateTime nowUtc)
    {
        if (RevokedAt is not null || ReplacedByKeyId is null || ExpiresAt <= cutoff) return;
        Record(AuditEventType.ApiKeyUpdated, actor, nowUtc, [new("expiresAt", Format(ExpiresAt), Format(cutoff))]);
        ExpiresAt = cutoff;
    }

    /// <summary>
    /// Undoes the link to a replacement whose rotation was cancelled, so this key can be rotated again, and gives back the
    /// expiry the rotation shortened, unless the key has meanwhile expired: a retired key stays retired.
    /// </summary>
    public void UndoReplacement(string replacementId, DateTime? expiryBefore, Actor actor, DateTime nowUtc)
    {
        if (ReplacedByKeyId != replacementId) return;
        var changes = new List<AuditChange> { new("replacedBy", ReplacedByKeyId, null) };
        ReplacedByKeyId = null;
        if (RevokedAt is null && IsUsableAt(nowUtc) && ExpiresAt != expiryBefore && !(expiryBefore <= nowUtc))
        {
            changes.Add(new("expiresAt", Format(ExpiresAt), Format(expiryBefore)));
            ExpiresAt = expiryBefore;
        }
        Record(AuditEventType.ApiKeyUpdated, actor, nowUtc, changes);
    }

    /// <summary>Revokes the key; <paramref name="reason"/> (for a revocation no person asked for) goes in the audit note.</summary>
    public void Revoke(Actor actor, DateTime nowUtc, string? reason = null)
    {
        EnsureNotRevoked();
        RevokedAt = nowUtc;
        RevokedBy = actor with { Ip = null };
        Record(AuditEventType.ApiKeyRevoked, actor, nowUtc, note: reason);
    }

    /// <summary>True while the key may authenticate: not revoked and not past its expiry.</summary>
    public bool IsUsableAt(DateTime nowUtc) => RevokedAt is null && !(ExpiresAt <= nowUtc);

    public bool IsStaleAt(DateTime nowUtc) => nowUtc - (LastUsedAt ?? CreatedAt) >= ApiKeyStatusRules.StaleAfter;

    public bool IsExpiringSoonAt(DateTime nowUtc) =>
        ExpiresAt is { } expiry && expiry > nowUtc && expiry - nowUtc <= ApiKeyStatusRules.ExpiringSoonWindow;

    public ApiKeyStatus StatusAt(DateTime nowUtc) => this switch
    {
        { RevokedAt: not null } => ApiKeyStatus.Revoked,
        _ when !IsUsableAt(nowUtc) => ApiKeyStatus.Expired,
        _ when IsStaleAt(nowUtc) => ApiKeyStatus.Stale,
        _ when IsExpiringSoonAt(nowUtc) => ApiKeyStatus.ExpiringSoon,
        _ => ApiKeyStatus.Active,
    };

    /// <summary>Hands over the audit events queued since the last call, for saving with the change.</summary>
    public IReadOnlyList<AuditEvent> TakeAuditEvents()
    {
        var events = _pendingAuditEvents.ToList();
        _pendingAuditEvents.Clear();
        return events;
    }

    private void Record(AuditEventType type, Actor actor, DateTime nowUtc, IReadOnlyList<AuditChange>? changes = null, string? note = null) =>
        _pendingAuditEvents.Add(new AuditEvent(type, CompanyId, BranchId, Id, Name, actor, nowUtc, changes, note));

    private void EnsureNotRevoked()
    {
        if (RevokedAt is not null) throw new DomainException("This key is revoked and can no longer be changed.");
    }

    /// <summary>
    /// A key that has expired or was replaced stays that way: giving it a later (or no) expiry would bring a
    /// retired credential back to life. Shortening is always allowed.
    /// </summary>
    private void EnsureLifeMayBeLengthened(DateTime nowUtc)
    {
        if (ReplacedByKeyId is not null)
            throw new DomainException($"This key was replaced by {ReplacedByKeyId}; its overlap can be shortened, never lengthened.");
        if (!IsUsableAt(nowUtc))
            throw new DomainException("This key has expired and cannot be brought back; create a new key instead.");
    }

    private static bool Lengthens(DateTime? current, DateTime? proposed) =>
        current is { } end && (proposed is null || proposed > end);

    private static string ValidName(string? name, Dictionary<string, string[]> errors)
    {
        var trimmed = name?.Trim() ?? "";
        if (trimmed.Length is 0 or > NameMaxLength)
            errors["name"] = [$"Give the key a name of 1 to {NameMaxLength} characters, after the integration that uses it."];
        else if (PlainText.HasHiddenCharacters(trimmed))
            errors["name"] = [$"Key names {PlainText.Refusal}"];
        return trimmed;
    }

    private static IReadOnlyList<string> ValidScopes(IEnumerable<string>? scopes, Dictionary<string, string[]> errors)
    {
        var normalized = FieldCamp.Domain.ApiKeys.Scopes.Normalize(scopes, out var problems);
        if (problems.Count > 0) errors["scopes"] = [.. problems];
        return normalized;
    }

    private static void ValidateExpiry(DateTime? expiresAt, DateTime nowUtc, Dictionary<string, string[]> errors)
    {
        if (expiresAt <= nowUtc) errors["expiresAt"] = ["The expiry must be in the future."];
        else if (expiresAt - nowUtc > MaxLifetime) errors["expiresAt"] = ["The expiry must be within 10 years."];
    }

    private static void ValidateRateLimit(int? requestsPerMinute, Dictionary<string, string[]> errors)
    {
        if (requestsPerMinute is < 1 or > MaxRequestsPerMinute)
            errors["rateLimit.requestsPerMinute"] = [$"Choose between 1 and {MaxRequestsPerMinute:N0} requests per minute."];
    }

    private static string? Format(DateTime? instant) => instant?.ToString("yyyy-MM-ddTHH:mm:ssZ");
    private static string? Format(int? limit) => limit is null ? null : $"{limit}/min";
}
