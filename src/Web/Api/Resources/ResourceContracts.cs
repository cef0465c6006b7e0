using System.Runtime.CompilerServices;
using FieldCamp.Domain.FieldWork;
using FieldCamp.Web.Data;

namespace FieldCamp.Web.Api;

public interface IResourceDto
{
    string Id { get; }
}

// Responses. Every record says when and by which API key it was created and last changed (null: a legacy token or
// the dashboard). Money is a number with two decimals, kept as whole cents.

public sealed record ClientDto(string Id, string Name, string? Email, string? Phone, string? Address,
    DateTime CreatedAt, DateTime UpdatedAt, string? CreatedByKeyId, string? UpdatedByKeyId) : IResourceDto
{
    public static ClientDto From(Client c) => new(c.Id, c.Name, c.Email, c.Phone, c.Address, c.CreatedAt, c.UpdatedAt, c.CreatedByKeyId, c.UpdatedByKeyId);
}

public sealed record JobDto(string Id, string ClientId, string Title, string? Description, string Status, DateTime? ScheduledFor,
    DateTime CreatedAt, DateTime UpdatedAt, string? CreatedByKeyId, string? UpdatedByKeyId) : IResourceDto
{
    public static JobDto From(Job j) =>
        new(j.Id, j.ClientId, j.Title, j.Description, j.Status, j.ScheduledFor, j.CreatedAt, j.UpdatedAt, j.CreatedByKeyId, j.UpdatedByKeyId);
}

public sealed record VisitDto(string Id, string JobId, DateTime StartsAt, string Status, DateTime? ArrivedAt, DateTime? CompletedAt,
    string? Notes, DateTime CreatedAt, DateTime UpdatedAt, string? CreatedByKeyId, string? UpdatedByKeyId) : IResourceDto
{
    public static VisitDto From(Visit v) => new(v.Id, v.JobId, v.StartsAt, v.Status, v.ArrivedAt, v.CompletedAt, v.Notes,
        v.CreatedAt, v.UpdatedAt, v.CreatedByKeyId, v.UpdatedByKeyId);
}

/// <summary>An invoice line; <see cref="Amount"/> is quantity × unit price, rounded to the cent.</summary>
public sealed record InvoiceLineDto(string Description, decimal Quantity, decimal UnitPrice, decimal Amount);

public sealed record InvoiceDto(string Id, string ClientId, string Number, string Status, DateOnly? DueOn,
    IReadOnlyList<InvoiceLineDto> Lines, decimal Total,
    DateTime CreatedAt, DateTime UpdatedAt, string? CreatedByKeyId, string? UpdatedByKeyId) : IResourceDto
{
    public static InvoiceDto From(Invoice i) => new(i.Id, i.ClientId, i.Number, i.Status, i.DueOn,
        [.. i.Lines.Select(l => new InvoiceLine(l.Description, l.Quantity, l.UnitPriceCents))
            .Select(l => new InvoiceLineDto(l.Description, l.Quantity, Money.FromCents(l.UnitPriceCents), Money.FromCents(l.AmountCents)))],
        Money.FromCents(i.TotalCents), i.CreatedAt, i.UpdatedAt, i.CreatedByKeyId, i.UpdatedByKeyId);
}

public sealed record ItemDto(string Id, string Name, string? Description, string? Sku, decimal UnitPrice,
    DateTime CreatedAt, DateTime UpdatedAt, string? CreatedByKeyId, string? UpdatedByKeyId) : IResourceDto
{
    public static ItemDto From(Item i) =>
        new(i.Id, i.Name, i.Description, i.Sku, Money.FromCents(i.UnitPriceCents), i.CreatedAt, i.UpdatedAt, i.CreatedByKeyId, i.UpdatedByKeyId);
}

// Create bodies: every field nullable so a missing one is a field error of ours, not a binding failure.

public sealed record CreateClientRequest(string? Name, string? Email, string? Phone, string? Address);
public sealed record CreateJobRequest(string? ClientId, string? Title, string? Description, string? Status, DateTimeOffset? ScheduledFor);
public sealed record CreateVisitRequest(DateTimeOffset? StartsAt, string? Notes);
public sealed record InvoiceLineRequest(string? Description, decimal? Quantity, decimal? UnitPrice);
public sealed record CreateInvoiceRequest(string? ClientId, string? Number, DateOnly? DueOn, IReadOnlyList<InvoiceLineRequest?>? Lines);
public sealed record CreateItemRequest(string? Name, string? Description, string? Sku, decimal? UnitPrice);

/// <summary>
/// A PATCH body: a field left out stays as it is, <c>null</c> clears an optional field (and is a 400 for a required
/// one). Each setter notes that the JSON carried the field, which is how "absent" and "null" are told apart.
/// </summary>
public abstract class PatchRequest
{
    private readonly HashSet<string> _given = new(StringComparer.Ordinal);

    protected T Given<T>(T value, [CallerMemberName] string property = "")
    {
        _given.Add(property);
        return value;
    }

    public bool Has(string property) => _given.Contains(property);
}

public sealed class UpdateClientRequest : PatchRequest
{
    public string? Name { get; set => field = Given(value); }
    public string? Email { get; set => field = Given(value); }
    public string? Phone { get; set => field = Given(value); }
    public string? Address { get; set => field = Given(value); }
}

public sealed class UpdateJobRequest : PatchRequest
{
    public string? ClientId { get; set => field = Given(value); }
    public string? Title { get; set => field = Given(value); }
    public string? Description { get; set => field = Given(value); }
    public string? Status { get; set => field = Given(value); }
    public DateTimeOffset? ScheduledFor { get; set => field = Given(value); }
}

public sealed class UpdateVisitRequest : PatchRequest
{
    public DateTimeOffset? StartsAt { get; set => field = Given(value); }
    public string? Status { get; set => field = Given(value); }
    public DateTimeOffset? ArrivedAt { get; set => field = Given(value); }
    public DateTimeOffset? CompletedAt { get; set => field = Given(value); }
    public string? Notes { get; set => field = Given(value); }
}

public sealed class UpdateInvoiceRequest : PatchRequest
{
    public string? ClientId { get; set => field = Given(value); }
    public string? Number { get; set => field = Given(value); }
    public string? Status { get; set => field = Given(value); }
    public DateOnly? DueOn { get; set => field = Given(value); }
    public IReadOnlyList<InvoiceLineRequest?>? Lines { get; set => field = Given(value); }
}

public sealed class UpdateItemRequest : PatchRequest
{
    public string? Name { get; set => field = Given(value); }
    public string? Description { get; set => field = Given(value); }
    public string? Sku { get; set => field = Given(value); }
    public decimal? UnitPrice { get; set => field = Given(value); }
}
