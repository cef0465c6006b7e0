using System.Security.Claims;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FieldCamp.Web.Api;

/// <summary>
/// <c>/api/v1/items</c>: the branch's price list. An invoice line copies what it needs of an item, so deleting or
/// repricing an item never changes an invoice, and an item can always be deleted.
/// </summary>
internal static class ItemEndpoints
{
    public static readonly Resource<Item, ItemDto> Resource = new("items", "Item", "Items", "itm", db => db.Items, ItemDto.From);

    public static void MapItemEndpoints(this RouteGroupBuilder api)
    {
        var (group, _, write) = api.MapReads(Resource);
        group.MapPost("/", CreateItem).RequireScope(write).WithName(nameof(CreateItem).Camel()).WithSummary("Add an item to the price list.");
        group.MapPatch("/{id}", UpdateItem).RequireScope(write).WithName(nameof(UpdateItem).Camel())
            .WithSummary("Change an item: fields left out stay, null clears description or sku.");
        group.MapDelete("/{id}", DeleteItem).RequireScope(write).WithName(nameof(DeleteItem).Camel())
            .WithSummary("Delete an item; invoices that used it keep their lines.");
    }

    public static async Task<Results<Created<ItemDto>, ValidationProblem>> CreateItem(
        CreateItemRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var check = new FieldCheck();
        var name = check.Required("name", request.Name, InputLimits.ItemName, "the item a name");
        var description = check.Optional("description", request.Description, InputLimits.ItemDescription, "A description", multiLine: true);
        var sku = check.Optional("sku", request.Sku, InputLimits.Sku, "A SKU");
        var price = check.Money("unitPrice", request.UnitPrice);
        if (check.Failed) return ApiProblems.Validation(check.Errors);

        var writer = ResourceWriter.From(user, time);
        var item = writer.New<Item>(Resource.IdPrefix);
        (item.Name, item.Description, item.Sku, item.UnitPriceCents) = (name, description, sku, price);
        db.Items.Add(item);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created(Resource.Location(item.Id), ItemDto.From(item));
    }

    public static async Task<Results<Ok<ItemDto>, ValidationProblem, ProblemHttpResult>> UpdateItem(
        string id, UpdateItemRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var writer = ResourceWriter.From(user, time);
        var item = await Resource.FindAsync(db, writer.BranchId, id, cancellationToken);
        if (item is null) return ApiProblems.NotFound(Resource.Name);

        var check = new FieldCheck();
        if (request.Has(nameof(request.Name)))
        {
            if (request.Name is null) check.NotCleared("name");
            else item.Name = check.Required("name", request.Name, InputLimits.ItemName, "the item a name");
        }
        if (request.Has(nameof(request.Description)))
            item.Description = check.Optional("description", request.Description, InputLimits.ItemDescription, "A description", multiLine: true);
        if (request.Has(nameof(request.Sku))) item.Sku = check.Optional("sku", request.Sku, InputLimits.Sku, "A SKU");
        if (request.Has(nameof(request.UnitPrice)))
        {
            if (request.UnitPrice is null) check.NotCleared("unitPrice");
            else item.UnitPriceCents = check.Money("unitPrice", request.UnitPrice);
        }
        if (check.Failed) return ApiProblems.Validation(check.Errors);

        // Items have no webhook event of their own.
        return TypedResults.Ok(await FieldDataEndpoints.SaveChangeAsync(db, writer, item, null, ItemDto.From, cancellationToken));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteItem(
        string id, ClaimsPrincipal user, AppDbContext db, CancellationToken cancellationToken)
    {
        var item = await Resource.FindAsync(db, ApiCaller.From(user).Tenant.BranchId, id, cancellationToken);
        if (item is null) return ApiProblems.NotFound(Resource.Name);
        db.Items.Remove(item);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
