namespace FieldCamp.Web.Data;

/// <summary>
/// The field-service records the hosted API serves. They carry no rules of their own; what matters here is
/// that each belongs to exactly one branch, so every query filters by it.
/// </summary>
public abstract class BranchRecord
{
    public string Id { get; set; } = "";
    public string BranchId { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}

public sealed class Client : BranchRecord
{
    public string Name { get; set; } = "";
    public string? Email { get; set; }
    public string? Phone { get; set; }
}

public sealed class Job : BranchRecord
{
    public string ClientId { get; set; } = "";
    public string Title { get; set; } = "";
    public string Status { get; set; } = "scheduled";
}

public sealed class Visit : BranchRecord
{
    public string JobId { get; set; } = "";
    public DateTime StartsAt { get; set; }
    public string Status { get; set; } = "scheduled";
}

public sealed class Invoice : BranchRecord
{
    public string ClientId { get; set; } = "";
    public string Number { get; set; } = "";
    public long TotalCents { get; set; }
    public string Status { get; set; } = "draft";
}

public sealed class Item : BranchRecord
{
    public string Name { get; set; } = "";
    public long UnitPriceCents { get; set; }
}

/// <summary>
/// Requests made with an API key, written in batches off the request path. Requests alike in everything but their
/// exact time within one second share a row: <see cref="At"/> is the first of them, <see cref="Count"/> how many.
/// </summary>
public sealed class ApiKeyRequest
{
    public long Id { get; set; }
    public string ApiKeyId { get; set; } = "";
    public DateTime At { get; set; }
    public string Method { get; set; } = "";
    public string Path { get; set; } = "";
    public int Status { get; set; }
    public string? Ip { get; set; }
    public string? UserAgent { get; set; }
    /// <summary>The Origin header a browser sent, when it did.</summary>
    public string? Origin { get; set; }
    public int Count { get; set; } = 1;
}

/// <summary>
/// How often a key's requests needed one scope on one UTC day: <see cref="Allowed"/> requests it authorized, and
/// <see cref="Refused"/> requests answered 403 for lacking it. Kept for <see cref="KeptDays"/> days, past the request
/// log, so the quarterly review can weigh 90 days of use.
/// </summary>
public sealed class ScopeUseDay
{
    public const int KeptDays = 400;

    public string ApiKeyId { get; set; } = "";
    public DateOnly Day { get; set; }
    public string Scope { get; set; } = "";
    public long Allowed { get; set; }
    public long Refused { get; set; }
}
