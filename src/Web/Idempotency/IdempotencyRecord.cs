namespace FieldCamp.Web.Idempotency;

/// <summary>
/// One <c>Idempotency-Key</c> of one credential: first a claim (inserted before the request runs, so a second
/// instance racing on the same key loses on the primary key), then the response it got, for replays.
/// </summary>
public sealed class IdempotencyRecord
{
    public const int KeyMaxLength = 255;
    public const int ScopeMaxLength = 120;

    /// <summary>Whose key this is: <c>key:{api key id}</c>, or <c>jwt:{company}:{branch}</c> for a legacy token.</summary>
    public required string Scope { get; init; }

    /// <summary>The client's <c>Idempotency-Key</c>, unquoted.</summary>
    public required string Key { get; init; }

    /// <summary>SHA-256 of method, path with query, and body: what "the same request" means.</summary>
    public required byte[] Fingerprint { get; set; }

    /// <summary>Names the claim, so only the request that holds it completes or releases it (a stale one may be taken over).</summary>
    public required string ClaimId { get; set; }

    /// <summary>When the key was claimed: the 24 hours count from here, and a claim still open a minute later is stale.</summary>
    public required DateTime ClaimedAt { get; set; }

    /// <summary>Null while the first request runs.</summary>
    public DateTime? CompletedAt { get; set; }

    public int? StatusCode { get; set; }
    public string? Location { get; set; }
    public string? ContentType { get; set; }

    /// <summary>The response body, with any secret it carried nulled out (see <see cref="SecretRedaction"/>).</summary>
    public byte[]? Body { get; set; }
}
