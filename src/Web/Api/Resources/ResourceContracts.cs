using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using FieldCamp.Domain.FieldWork;
using FieldCamp.Web.Data;

namespace FieldCamp.Web.Api;

public interface IResourceDto
{
    string Id { get; }
}

// Responses. Every record says when and by which API key it was created and last changed (null: a legacy token or
// the dashboard). Money is a JSON number of at most two decimals, kept as whole cents; every number is written in its
// shortest form (2, 2.5, 12.5), whatever scale it was sent or stored with, so a record reads the same everywhere.

public sealed record ClientDto(string Id, string Name, string? Email, string? Phone, string? Address,
    DateTime CreatedAt, DateTime UpdatedAt, string? CreatedByKeyId, string? UpdatedByKeyId) : IResourceDto
{
    public static ClientDto From(Client c) => new(c.Id, c.Name, c.Email, c.Phone, c.Address, c.CreatedAt, c.UpdatedAt, c.CreatedByKeyId, c.UpdatedByKeyId);
}

public sealed record JobDto(string Id, string ClientId, string Title, string? Description, [property: OneOf(ApiValues.JobStatuses)] string Status,
    DateTime? ScheduledFor,
    DateTime CreatedAt, DateTime UpdatedAt, string? CreatedByKeyId, string? UpdatedByKeyId) : IResourceDto
{
    public static JobDto From(Job j) =>
        new(j.Id, j.ClientId, j.Title, j.Description, j.Status, j.ScheduledFor, j.CreatedAt, j.UpdatedAt, j.CreatedByKeyId, j.UpdatedByKeyId);
}

public sealed record VisitDto(string Id, string JobId, DateTime StartsAt, [property: OneOf(ApiValues.VisitStatuses)] string Status, DateTime? ArrivedAt, DateTime? CompletedAt,
    string? Notes, DateTime CreatedAt, DateTime UpdatedAt, string? CreatedByKeyId, string? UpdatedByKeyId) : IResourceDto
{
    public static VisitDto From(Visit v) => new(v.Id, v.JobId, v.StartsAt, v.Status, v.ArrivedAt, v.CompletedAt, v.Notes,
        v.CreatedAt, v.UpdatedAt, v.CreatedByKeyId, v.UpdatedByKeyId);
}

/// <summary>An invoice line; <see cref="Amount"/> is quantity × unit price, rounded to the cent.</summary>
public sealed record InvoiceLineDto(string Description, decimal Quantity,
    [property: Description(InvoiceLineDto.MoneyText)] decimal UnitPrice, [property: Description(InvoiceLineDto.MoneyText)] decimal Amount)
{
    internal const string MoneyText = "An amount of money: a JSON number with at most two decimals.";
}

public sealed record InvoiceDto(string Id, string ClientId, string Number, [property: OneOf(ApiValues.InvoiceStatuses)] string Status,
    DateOnly? DueOn, IReadOnlyList<InvoiceLineDto> Lines, [property: Description("The sum of the lines' amounts. " + InvoiceLineDto.MoneyText)] decimal Total,
    DateTime CreatedAt, DateTime UpdatedAt, string? CreatedByKeyId, string? UpdatedByKeyId) : IResourceDto
{
    public static InvoiceDto From(Invoice i) => new(i.Id, i.ClientId, i.Number, i.Status, i.DueOn,
        [.. i.Lines.Select(l => new InvoiceLine(l.Description, l.Quantity, l.UnitPriceCents))
            .Select(l => new InvoiceLineDto(l.Description, l.Quantity.Shortest(), Money.FromCents(l.UnitPriceCents).Shortest(),
                Money.FromCents(l.AmountCents).Shortest()))],
        Money.FromCents(i.TotalCents).Shortest(), i.CreatedAt, i.UpdatedAt, i.CreatedByKeyId, i.UpdatedByKeyId);
}

public sealed record ItemDto(string Id, string Name, string? Description, string? Sku, [property: Description(InvoiceLineDto.MoneyText)] decimal UnitPrice,
    DateTime CreatedAt, DateTime UpdatedAt, string? CreatedByKeyId, string? UpdatedByKeyId) : IResourceDto
{
    public static ItemDto From(Item i) =>
        new(i.Id, i.Name, i.Description, i.Sku, Money.FromCents(i.UnitPriceCents).Shortest(), i.CreatedAt, i.UpdatedAt, i.CreatedByKeyId, i.UpdatedByKeyId);
}

// Create bodies: every field nullable so a missing one is a field error of ours, not a binding failure. [Required]
// marks what the endpoint refuses to go without, for the OpenAPI document (the checks themselves are in the endpoints).

public sealed record CreateClientRequest([property: Required] string? Name, string? Email, string? Phone, string? Address);
public sealed record CreateJobRequest([property: Required] string? ClientId, [property: Required] string? Title, string? Description,
    [property: OneOf(ApiValues.JobStatuses), Description("Scheduled when left out.")] string? Status,
    [property: JsonConverter(typeof(RecordInstantJsonConverter)), Description(Instants.RecordDescription)] DateTimeOffset? ScheduledFor);
public sealed record CreateVisitRequest(
    [property: Required, JsonConverter(typeof(RecordInstantJsonConverter)), Description(Instants.RecordDescription)] DateTimeOffset? StartsAt, string? Notes);
public sealed record InvoiceLineRequest([property: Required] string? Description,
    [property: Required, Description("Above 0, at most three decimals.")] decimal? Quantity,
    [property: Required, Description(InvoiceLineDto.MoneyText)] decimal? UnitPrice);
public sealed record CreateInvoiceRequest([property: Required] string? ClientId, [property: Required] string? Number,
    [property: Description(CreateInvoiceRequest.DueOnText)] DateOnly? DueOn,
    IReadOnlyList<InvoiceLineRequest?>? Lines)
{
    public const string DueOnText = "A date from 2000-01-01 to 2100-12-31.";
}
public sealed record CreateItemRequest([property: Required] string? Name, string? Description, string? Sku,
    [property: Required, Description(InvoiceLineDto.MoneyText)] decimal? UnitPrice);

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
    [NotClearable] public string? Name { get; set => field = Given(value); }
    public string? Email { get; set => field = Given(value); }
    public string? Phone { get; set => field = Given(value); }
    public string? Address { get; set => field = Given(value); }
}

public sealed class UpdateJobRequest : PatchRequest
{
    [NotClearable] public string? ClientId { get; set => field = Given(value); }
    [NotClearable] public string? Title { get; set => field = Given(value); }
    public string? Description { get; set => field = Given(value); }
    [NotClearable, OneOf(ApiValues.JobStatuses)] public string? Status { get; set => field = Given(value); }
    [JsonConverter(typeof(RecordInstantJsonConverter)), Description(Instants.RecordDescription)]
    public DateTimeOffset? ScheduledFor { get; set => field = Given(value); }
}

public sealed class UpdateVisitRequest : PatchRequest
{
    [NotClearable, JsonConverter(typeof(RecordInstantJsonConverter)), Description(Instants.RecordDescription)]
    public DateTimeOffset? StartsAt { get; set => field = Given(value); }
    [NotClearable, OneOf(ApiValues.VisitStatuses)] public string? Status { get; set => field = Given(value); }
    [JsonConverter(typeof(RecordInstantJsonConverter)), Description(Instants.RecordDescription)]
    public DateTimeOffset? ArrivedAt { get; set => field = Given(value); }
    [JsonConverter(typeof(RecordInstantJsonConverter)), Description(Instants.RecordDescription)]
    public DateTimeOffset? CompletedAt { get; set => field = Given(value); }
    public string? Notes { get; set => field = Given(value); }
}

public sealed class UpdateInvoiceRequest : PatchRequest
{
    [NotClearable] public string? ClientId { get; set => field = Given(value); }
    [NotClearable] public string? Number { get; set => field = Given(value); }
    [NotClearable, OneOf(ApiValues.InvoiceStatuses)] public string? Status { get; set => field = Given(value); }
    [Description(CreateInvoiceRequest.DueOnText)] public DateOnly? DueOn { get; set => field = Given(value); }
    [NotClearable] public IReadOnlyList<InvoiceLineRequest?>? Lines { get; set => field = Given(value); }
}

public sealed class UpdateItemRequest : PatchRequest
{
    [NotClearable] public string? Name { get; set => field = Given(value); }
    public string? Description { get; set => field = Given(value); }
    public string? Sku { get; set => field = Given(value); }
    [NotClearable, Description(InvoiceLineDto.MoneyText)] public decimal? UnitPrice { get; set => field = Given(value); }
}

internal static class Numbers
{
    /// <summary>
    /// The same number without trailing zeros (2.0 → 2, 12.50 → 12.5): a decimal keeps the scale it was read or
    /// stored with, and the JSON written for it would show it.
    /// </summary>
    public static decimal Shortest(this decimal value) => value / 1.0000000000000000000000000000m;
}
