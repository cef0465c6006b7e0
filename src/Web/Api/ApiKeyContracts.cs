using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Web.Api;

public sealed record RateLimitDto(int RequestsPerMinute);

public sealed record CreateApiKeyRequest([property: Required] string? Name, [property: Required, OneOf(ApiValues.Scopes)] IReadOnlyList<string>? Scopes,
    [property: JsonConverter(typeof(InstantJsonConverter)), Description("When the key stops working (none: never). " + Instants.Description)]
    DateTimeOffset? ExpiresAt,
    RateLimitDto? RateLimit);

/// <summary>
/// PATCH body. A field left out is left unchanged; <c>null</c> clears <c>expiresAt</c> or <c>rateLimit</c>.
/// The setters note which fields the JSON actually carried.
/// </summary>
public sealed class UpdateApiKeyRequest
{
    private DateTimeOffset? _expiresAt;
    private RateLimitDto? _rateLimit;

    public string? Name { get; set; }
    [OneOf(ApiValues.Scopes)] public IReadOnlyList<string>? Scopes { get; set; }
    [JsonConverter(typeof(InstantJsonConverter)), Description("When the key stops working (null: never). " + Instants.Description)]
    public DateTimeOffset? ExpiresAt { get => _expiresAt; set { _expiresAt = value; HasExpiresAt = true; } }
    public RateLimitDto? RateLimit { get => _rateLimit; set { _rateLimit = value; HasRateLimit = true; } }

    [JsonIgnore] public bool HasExpiresAt { get; private set; }
    [JsonIgnore] public bool HasRateLimit { get; private set; }

    internal ApiKeyUpdate ToUpdate() => new(
        Name,
        Scopes,
        HasExpiresAt ? new Set<DateTime?>(ExpiresAt?.UtcDateTime) : null,
        HasRateLimit ? new Set<int?>(RateLimit?.RequestsPerMinute) : null);
}

/// <summary>Rotate body, all optional: narrower scopes, an explicit expiry (<c>null</c>: none), and the old key's overlap.</summary>
public sealed class RotateApiKeyRequest
{
    private DateTimeOffset? _expiresAt;

    [OneOf(ApiValues.Scopes)] public IReadOnlyList<string>? Scopes { get; set; }
    [JsonConverter(typeof(InstantJsonConverter)), Description("When the replacement stops working (null: never). " + Instants.Description)]
    public DateTimeOffset? ExpiresAt { get => _expiresAt; set { _expiresAt = value; HasExpiresAt = true; } }
    public int? OldKeyExpiresInHours { get; set; }
    /// <summary>The old key's <see cref="OldKeyExpiresInHours"/> start counting at the replacement's first request.</summary>
    public bool? OverlapStartsOnFirstUse { get; set; }
    /// <summary>Revoke the old key by itself once the replacement has been used and the old key idle this many hours.</summary>
    public int? AutoRevokeWhenIdleHours { get; set; }

    [JsonIgnore] public bool HasExpiresAt { get; private set; }

    internal RotationOptions ToOptions() =>
        new(Scopes, HasExpiresAt ? new Set<DateTime?>(ExpiresAt?.UtcDateTime) : null, OldKeyExpiresInHours,
            OverlapStartsOnFirstUse ?? false, AutoRevokeWhenIdleHours);
}

/// <summary>A checklist item of a rotation's deploy step, ticked at <c>at</c> by <c>by</c>.</summary>
public sealed record RotationTickDto(string Item, DateTime At, string By);

/// <summary>A key's rotation: its two keys, the wizard's step and what was chosen and seen along the way.</summary>
public sealed record KeyRotationResponse(
    string Id,
    string OldKeyId,
    string ReplacementKeyId,
    string Step,
    string Status,
    DateTime StartedAt,
    ActorDto StartedBy,
    IReadOnlyList<RotationTickDto> Checklist,
    int? AutoRevokeWhenIdleHours,
    int? OverlapHoursFromFirstUse,
    DateTime? ReplacementFirstUsedAt,
    DateTime OldKeyIdleSince,
    DateTime? EndedAt,
    ActorDto? EndedBy)
{
    public static KeyRotationResponse From(FieldCamp.Domain.Rotation.KeyRotation rotation, ApiKey old) => new(
        rotation.Id, rotation.OldKeyId, rotation.ReplacementKeyId,
        FieldCamp.Domain.Rotation.KeyRotation.StepName(rotation.Step),
        rotation.IsActive ? "active" : FieldCamp.Domain.Rotation.KeyRotation.StepName(rotation.Step),
        rotation.StartedAt, ActorDto.From(rotation.StartedBy),
        [.. rotation.Ticks.Select(t => new RotationTickDto(t.Item, t.At, t.By))],
        rotation.AutoRevokeAfterIdleHours, rotation.OverlapHoursFromFirstUse, rotation.ReplacementFirstUsedAt,
        rotation.IdleSince(old), rotation.EndedAt, rotation.EndedBy is { } by ? ActorDto.From(by) : null);
}

public sealed record ActorDto(string Type, string Id, string Name)
{
    public static ActorDto From(Actor actor) => new(actor.Type switch
    {
        ActorType.Person => "person",
        ActorType.ApiKey => "api_key",
        _ => "system",
    }, actor.Id, actor.Name);
}

public sealed record OwnerDto(string Id, string? Email);

/// <summary>A key's metadata. <see cref="Key"/> holds the secret in create and rotate responses only.</summary>
public sealed record ApiKeyResponse(
    string Id,
    string Name,
    string Hint,
    [property: OneOf(ApiValues.Scopes)] IReadOnlyList<string> Scopes,
    string Status,
    OwnerDto? Owner,
    DateTime CreatedAt,
    ActorDto CreatedBy,
    DateTime? ExpiresAt,
    RateLimitDto? RateLimit,
    DateTime? LastUsedAt,
    string? LastUsedIp,
    string? LastUsedUserAgent,
    DateTime? RevokedAt,
    string? ReplacesKeyId,
    string? ReplacedByKeyId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RotationId = null)
{
    public static ApiKeyResponse From(ApiKey key, DateTime nowUtc, string? ownerEmail, string? secret = null, string? rotationId = null) => new(
        key.Id, key.Name, key.Hint, key.Scopes, key.StatusAt(nowUtc).ToApiString(),
        key.OwnerId is null ? null : new OwnerDto(key.OwnerId, ownerEmail),
        key.CreatedAt, ActorDto.From(key.CreatedBy), key.ExpiresAt,
        key.RateLimitPerMinute is { } limit ? new RateLimitDto(limit) : null,
        key.LastUsedAt, key.LastUsedIp, key.LastUsedUserAgent, key.RevokedAt, key.ReplacesKeyId, key.ReplacedByKeyId, secret, rotationId);
}

/// <summary>Requests alike within one second are one entry: <c>at</c> is the first, <c>count</c> how many.</summary>
public sealed record ApiKeyRequestDto(DateTime At, string Method, string Path, int Status, string? Ip, string? UserAgent, int Count);

/// <summary>Every list: one page of data and the cursor for the next (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? NextCursor);
