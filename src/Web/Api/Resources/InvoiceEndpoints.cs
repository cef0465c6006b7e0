using System.Security.Claims;
using FieldCamp.Domain.FieldWork;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Api;

/// <summary>
/// <c>/api/v1/invoices</c>. An invoice is created as a draft; its client, number and lines change only while it is one.
/// Status moves draft → sent → paid, and sent or paid → void. Only a draft is deleted; a sent invoice is voided.
/// </summary>
internal static class InvoiceEndpoints
{
    public static readonly Resource<Invoice, InvoiceDto> Resource = new("invoices", "Invoice", "Invoices", "inv", db => db.Invoices, InvoiceDto.From);

    public static void MapInvoiceEndpoints(this RouteGroupBuilder api)
    {
        var (group, _, write) = api.MapReads(Resource);
        group.MapPost("/", CreateInvoice).RequireScope(write).WithName(nameof(CreateInvoice).Camel())
            .WithSummary("Create a draft invoice; its total is the sum of its lines.");
        group.MapPatch("/{id}", UpdateInvoice).RequireScope(write).WithName(nameof(UpdateInvoice).Camel())
            .WithSummary("Edit a draft, or move an invoice on: sent, paid or void.");
        group.MapDelete("/{id}", DeleteInvoice).RequireScope(write).WithName(nameof(DeleteInvoice).Camel())
            .WithSummary("Delete a draft invoice (sent and paid ones are voided instead).");
    }

    public static async Task<Results<Created<InvoiceDto>, ValidationProblem>> CreateInvoice(
        CreateInvoiceRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var writer = ResourceWriter.From(user, time);
        var check = new FieldCheck();
        var number = check.Required("number", request.Number, InputLimits.InvoiceNumber, "the invoice a number");
        var lines = check.Lines("lines", request.Lines ?? []);
        check.Date("dueOn", request.DueOn);
        if (!await FieldDataEndpoints.InBranchAsync(db.Clients, writer.BranchId, request.ClientId, cancellationToken))
            check.Add("clientId", FieldDataEndpoints.NoSuchClient);
        await CheckNumberFreeAsync(check, db, writer.BranchId, number, null, cancellationToken);
        if (check.Failed) return ApiProblems.Validation(check.Errors);

        var invoice = writer.New<Invoice>(Resource.IdPrefix);
        (invoice.ClientId, invoice.Number, invoice.DueOn) = (request.ClientId!, number, request.DueOn);
        SetLines(invoice, lines);
        db.Invoices.Add(invoice);
        var dto = InvoiceDto.From(invoice);
        writer.Publish(db, WebhookEventTypes.InvoiceCreated, dto);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (Refusal(e) is { } refusal)
        {
            return refusal;
        }
        return TypedResults.Created(Resource.Location(invoice.Id), dto);
    }

    public static async Task<Results<Ok<InvoiceDto>, ValidationProblem, ProblemHttpResult>> UpdateInvoice(
        string id, UpdateInvoiceRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var writer = ResourceWriter.From(user, time);
        var invoice = await Resource.FindAsync(db, writer.BranchId, id, cancellationToken);
        if (invoice is null) return ApiProblems.NotFound(Resource.Name);

        var check = new FieldCheck();
        var draftOnly = new List<string>();
        string? number = null, clientId = null, status = null;
        List<InvoiceLine>? lines = null;
        if (request.Has(nameof(request.Number)))
        {
            draftOnly.Add("number");
            if (request.Number is null) check.NotCleared("number");
            else number = check.Required("number", request.Number, InputLimits.InvoiceNumber, "the invoice a number");
        }
        if (request.Has(nameof(request.ClientId)))
        {
            draftOnly.Add("clientId");
            if (request.ClientId is null) check.NotCleared("clientId");
            else if (!await FieldDataEndpoints.InBranchAsync(db.Clients, writer.BranchId, request.ClientId, cancellationToken))
                check.Add("clientId", FieldDataEndpoints.NoSuchClient);
            else clientId = request.ClientId;
        }
        if (request.Has(nameof(request.Lines)))
        {
            draftOnly.Add("lines");
            if (request.Lines is null) check.Add("lines", "lines cannot be null; send [] for an invoice without lines.");
            else lines = check.Lines("lines", request.Lines);
        }
        if (request.Has(nameof(request.Status)))
        {
            if (request.Status is null) check.NotCleared("status");
            else status = check.Status("status", request.Status, InvoiceStatus.All);
        }
        if (request.Has(nameof(request.DueOn))) check.Date("dueOn", request.DueOn);
        if (number is not null && number != invoice.Number) await CheckNumberFreeAsync(check, db, writer.BranchId, number, invoice.Id, cancellationToken);
        if (check.Failed) return ApiProblems.Validation(check.Errors);

        // Edits are judged against the invoice as it was: a draft can be edited and sent in one request.
        if (draftOnly.Count > 0 && !InvoiceStatus.IsEditable(invoice.Status))
            return FieldDataEndpoints.InvalidState(
                $"The invoice is {invoice.Status}; its {DraftOnlyFields(draftOnly)} only while it is a draft.");
        if (status is not null && InvoiceStatus.WhyNot(invoice.Status, status) is { } why) return FieldDataEndpoints.InvalidState(why);
        if (invoice.Status == InvoiceStatus.Void && request.Has(nameof(request.DueOn)))
            return FieldDataEndpoints.InvalidState("The invoice is void; a void invoice does not change.");

        if (number is not null) invoice.Number = number;
        if (clientId is not null) invoice.ClientId = clientId;
        if (lines is not null && !SameLines(invoice, lines)) SetLines(invoice, lines);
        if (request.Has(nameof(request.DueOn))) invoice.DueOn = request.DueOn;
        if (status is not null) invoice.Status = status;

        try
        {
            return TypedResults.Ok(await FieldDataEndpoints.SaveChangeAsync(db, writer, invoice, WebhookEventTypes.InvoiceUpdated, InvoiceDto.From, cancellationToken));
        }
        catch (DbUpdateException e) when (Refusal(e) is { } refusal)
        {
            return refusal;
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteInvoice(
        string id, ClaimsPrincipal user, AppDbContext db, CancellationToken cancellationToken)
    {
        var invoice = await Resource.FindAsync(db, ApiCaller.From(user).Tenant.BranchId, id, cancellationToken);
        if (invoice is null) return ApiProblems.NotFound(Resource.Name);
        if (invoice.Status != InvoiceStatus.Draft)
            return FieldDataEndpoints.InvalidState(invoice.Status == InvoiceStatus.Void
                ? "The invoice is void; a void invoice stays on record."
                : $"The invoice is {invoice.Status}; only a draft is deleted. Set its status to void instead.");
        db.Invoices.Remove(invoice);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The answer for a save the database refused because a request racing this one took the number first, or deleted
    /// the client in between: the same field error the checks above give when they see it.
    /// </summary>
    private static ValidationProblem? Refusal(DbUpdateException exception) => ConstraintViolation.Of(exception) switch
    {
        ConstraintKind.Unique => ApiProblems.Validation(new Dictionary<string, string[]> { ["number"] = [NumberTaken] }),
        ConstraintKind.ForeignKey => FieldDataEndpoints.ClientGone(),
        _ => null,
    };

    private const string NumberTaken = "Another invoice of this branch has this number.";

    private static async Task CheckNumberFreeAsync(FieldCheck check, AppDbContext db, string branchId, string number, string? exceptId,
        CancellationToken cancellationToken)
    {
        if (check.Errors.ContainsKey("number") || number.Length == 0) return;
        if (await db.Invoices.AnyAsync(i => i.BranchId == branchId && i.Number == number && i.Id != exceptId, cancellationToken))
            check.Add("number", NumberTaken);
    }

    private static void SetLines(Invoice invoice, List<InvoiceLine> lines)
    {
        invoice.Lines = [.. lines.Select(l => new InvoiceLineRecord { Description = l.Description, Quantity = l.Quantity, UnitPriceCents = l.UnitPriceCents })];
        invoice.TotalCents = InvoiceMath.TotalCents(lines) ?? 0;
    }

    /// <summary>"number changes", "lines change", "client and lines change": the fields of a refused edit, in a sentence.</summary>
    private static string DraftOnlyFields(List<string> fields)
    {
        var names = fields.Select(f => f == "clientId" ? "client" : f).ToList();
        return names.Count == 1 ? $"{names[0]} {(names[0] == "lines" ? "change" : "changes")}"
            : $"{string.Join(", ", names[..^1])} and {names[^1]} change";
    }

    private static bool SameLines(Invoice invoice, List<InvoiceLine> lines) =>
        invoice.Lines.Select(l => new InvoiceLine(l.Description, l.Quantity, l.UnitPriceCents)).SequenceEqual(lines);
}
