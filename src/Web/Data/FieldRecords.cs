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
    public DateTime UpdatedAt { get; set; }
    /// <summary>The API key that created the record; null when a legacy token or the dashboard did.</summary>
    public string? CreatedByKeyId { get; set; }
    public string? UpdatedByKeyId { get; set; }
}

public sealed class Client : BranchRecord
{
    public string Name { get; set; } = "";
    public string? Email { get; set; }
    public string? Phone { get; set; }
    public string? Address { get; set; }
}

public sealed class Job : BranchRecord
{
    public string ClientId { get; set; } = "";
    public string Title { get; set; } = "";
    public string? Description { get; set; }
    public string Status { get; set; } = "scheduled";
    public DateTime? ScheduledFor { get; set; }
}

public sealed class Visit : BranchRecord
{
    public string JobId { get; set; } = "";
    public DateTime StartsAt { get; set; }
    public string Status { get; set; } = "scheduled";
    public DateTime? ArrivedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public string? Notes { get; set; }
}

public sealed class Invoice : BranchRecord
{
    public string ClientId { get; set; } = "";
    public string Number { get; set; } = "";
    /// <summary>The sum of <see cref="Lines"/>, kept so lists and reports need not read the lines.</summary>
    public long TotalCents { get; set; }
    public string Status { get; set; } = "draft";
    public DateOnly? DueOn { get; set; }
    public List<InvoiceLineRecord> Lines { get; set; } = [];
}

/// <summary>An invoice line as stored, in the invoice's row (JSON): the invoice is always read whole.</summary>
public sealed class InvoiceLineRecord
{
    public string Description { get; set; } = "";
    public decimal Quantity { get; set; }
    public long UnitPriceCents { get; set; }
}

public sealed class Item : BranchRecord
{
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? Sku { get; set; }
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
