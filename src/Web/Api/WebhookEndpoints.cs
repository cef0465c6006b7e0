using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Idempotency;
using FieldCamp.Web.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace FieldCamp.Web.Api;

/// <summary>
/// <c>/api/v1/webhooks</c>: an integration registers where its branch's events go, with <c>integrations:write</c> for
/// everything (reading included: the list shows where a branch's data is sent). Another tenant's endpoint is not found.
/// Validation and state errors become problems in <see cref="ApiExceptionHandler"/>.
/// </summary>
internal static class WebhookEndpoints
{
    private const string IdPrefix = "whk_";
    private const string DeliveryIdPrefix = "msg_";

    public static RouteGroupBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/webhooks").WithTags("Webhooks").RequireScope(Scopes.IntegrationsWrite);
        group.MapPost("/", CreateWebhook).WithName("createWebhook")
            .WithSummary("Register an endpoint; the response holds its signing secret, once.").RevealsSecret("secret")
            .AddEndpointFilter(SecretVerbatim);
        group.MapGet("/", ListWebhooks).WithName("listWebhooks").WithSummary("List the branch's webhook endpoints.");
        group.MapGet("/{id}", GetWebhook).WithName("getWebhook").WithSummary("Get a webhook endpoint.");
        group.MapPatch("/{id}", UpdateWebhook).WithName("updateWebhook")
            .WithSummary("Change the address, events, description, or switch the endpoint on or off.");
        group.MapDelete("/{id}", DeleteWebhook).WithName("deleteWebhook").WithSummary("Delete an endpoint and its delivery log.");
        group.MapPost("/{id}/rotate-secret", RotateWebhookSecret).WithName("rotateWebhookSecret")
            .WithSummary("Issue a new signing secret, shown once; the old one keeps signing for 24 hours.").RevealsSecret("secret")
            .AddEndpointFilter(SecretVerbatim);
        group.MapPost("/{id}/test", TestWebhook).WithName("testWebhook").WithSummary("Queue a webhook.test ping to the endpoint.");
        group.MapGet("/{id}/deliveries", ListWebhookDeliveries).WithName("listWebhookDeliveries")
            .WithSummary("The endpoint's deliveries, newest first, with each one's latest attempt.");
        group.MapPost("/{id}/deliveries/{deliveryId}/resend", ResendWebhookDelivery).WithName("resendWebhookDelivery")
            .WithSummary("Send a finished delivery again now, with the same webhook-id and body (409 while it is still pending).");
        return group;
    }

    public static async Task<Created<WebhookResponse>> CreateWebhook(
        CreateWebhookRequest request, ClaimsPrincipal user, HttpContext http, WebhookManager manager, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        var (endpoint, secret) = await manager.CreateAsync(caller.KeyScope, new NewWebhook(request.Url, request.Events, request.Description),
            caller.ToActor(http), cancellationToken);
        return TypedResults.Created($"/api/v1/webhooks/{endpoint.Id}", WebhookResponse.From(endpoint, null, Now(time), secret));
    }

    public static async Task<Results<Ok<Page<WebhookResponse>>, ValidationProblem>> ListWebhooks(
        ClaimsPrincipal user, WebhookManager manager, TimeProvider time, PageCursors cursors,
        [Range(1, Paging.MaxLimit), DefaultValue(Paging.DefaultLimitText), Description(Paging.LimitText)] string? limit, [Description(Paging.CursorText)] string? cursor, CancellationToken cancellationToken)
    {
        var list = cursors.For(user, "webhooks");
        var errors = Paging.Validate(limit, cursor, list, out var take, out var after);
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        // A branch has at most a handful of endpoints (WebhookManager.MaxPerBranch): page in memory.
        var all = await manager.ListAsync(ApiCaller.From(user).KeyScope, cancellationToken);
        var rows = all.Where(s => after is null || s.Endpoint.Id.CompareTo(after) < 0).Take(take + 1).ToList();
        var page = Paging.ToPage(rows, take, list, s => s.Endpoint.Id);
        var now = Now(time);
        return TypedResults.Ok(new Page<WebhookResponse>([.. page.Data.Select(s => WebhookResponse.From(s.Endpoint, s.LastDelivery, now))], page.NextCursor));
    }

    public static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> GetWebhook(
        string id, ClaimsPrincipal user, WebhookManager manager, TimeProvider time, CancellationToken cancellationToken)
    {
        var found = await manager.GetAsync(ApiCaller.From(user).KeyScope, id, cancellationToken);
        return found is null ? NotFound() : TypedResults.Ok(WebhookResponse.From(found.Endpoint, found.LastDelivery, Now(time)));
    }

    public static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> UpdateWebhook(
        string id, UpdateWebhookRequest request, ClaimsPrincipal user, HttpContext http, WebhookManager manager, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        if (await manager.UpdateAsync(caller.KeyScope, id, request.ToUpdate(), caller.ToActor(http), cancellationToken) is null) return NotFound();
        var found = await manager.GetAsync(caller.KeyScope, id, cancellationToken);
        return found is null ? NotFound() : TypedResults.Ok(WebhookResponse.From(found.Endpoint, found.LastDelivery, Now(time)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhook(
        string id, ClaimsPrincipal user, HttpContext http, WebhookManager manager, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        return await manager.DeleteAsync(caller.KeyScope, id, caller.ToActor(http), cancellationToken) ? TypedResults.NoContent() : NotFound();
    }

    public static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> RotateWebhookSecret(
        string id, ClaimsPrincipal user, HttpContext http, WebhookManager manager, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        if (await manager.RotateSecretAsync(caller.KeyScope, id, caller.ToActor(http), cancellationToken) is not var (_, secret)) return NotFound();
        // The same view as a GET (last delivery included), plus the new secret.
        var found = await manager.GetAsync(caller.KeyScope, id, cancellationToken);
        return found is null ? NotFound() : TypedResults.Ok(WebhookResponse.From(found.Endpoint, found.LastDelivery, Now(time), secret));
    }

    public static async Task<Results<Accepted<WebhookDeliveryResponse>, ProblemHttpResult>> TestWebhook(
        string id, ClaimsPrincipal user, HttpContext http, WebhookManager manager, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        var delivery = await manager.SendTestAsync(caller.KeyScope, id, caller.ToActor(http), cancellationToken);
        return delivery is null ? NotFound()
            : TypedResults.Accepted($"/api/v1/webhooks/{id}/deliveries?limit=1", WebhookDeliveryResponse.From(delivery));
    }

    public static async Task<Results<Ok<Page<WebhookDeliveryResponse>>, ValidationProblem, ProblemHttpResult>> ListWebhookDeliveries(
        string id, ClaimsPrincipal user, WebhookManager manager, PageCursors cursors,
        [Range(1, Paging.MaxLimit), DefaultValue(Paging.DefaultLimitText), Description(Paging.LimitText)] string? limit, [Description(Paging.CursorText)] string? cursor, CancellationToken cancellationToken)
    {
        var list = cursors.For(user, $"webhooks/{id}/deliveries");
        var errors = Paging.Validate(limit, cursor, list, out var take, out var after);
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        var rows = await manager.DeliveriesBeforeAsync(ApiCaller.From(user).KeyScope, id, after, take + 1, cancellationToken);
        if (rows is null) return NotFound();
        var page = Paging.ToPage(rows.ToList(), take, list, r => r.Delivery.Id);
        return TypedResults.Ok(new Page<WebhookDeliveryResponse>([.. page.Data.Select(WebhookDeliveryResponse.From)], page.NextCursor));
    }

    public static async Task<Results<Accepted<WebhookDeliveryResponse>, ProblemHttpResult>> ResendWebhookDelivery(
        string id, string deliveryId, ClaimsPrincipal user, HttpContext http, WebhookManager manager, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        var delivery = await manager.ResendAsync(caller.KeyScope, id, deliveryId, caller.ToActor(http), cancellationToken);
        return delivery is null ? ApiProblems.NotFound("webhook delivery")
            : TypedResults.Accepted($"/api/v1/webhooks/{id}/deliveries?limit=1", WebhookDeliveryResponse.From(delivery));
    }

    /// <summary>
    /// Writes a response that carries a signing secret with the relaxed encoder (as problem bodies are): the API's
    /// default one escapes the "+" of base64 as \u002B, and a secret copied from a terminal into a shell variable
    /// would then be wrong. The secret stays standard base64, as the Standard Webhooks libraries expect it. The
    /// handlers keep their declared results, so the OpenAPI document describes these responses as before.
    /// </summary>
    private static async ValueTask<object?> SecretVerbatim(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        var api = context.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var relaxed = RelaxedOptions.GetValue(api, ApiProblems.JsonOptions);
        switch (result)
        {
            case Created<WebhookResponse> { Value: { } created } answer:
                context.HttpContext.Response.Headers.Location = answer.Location;
                return TypedResults.Json(created, relaxed, statusCode: StatusCodes.Status201Created);
            case Results<Ok<WebhookResponse>, ProblemHttpResult> { Result: Ok<WebhookResponse> { Value: { } rotated } }:
                return TypedResults.Json(rotated, relaxed);
            default:
                return result;
        }
    }

    // One relaxed copy per instance of the API's options (each copy builds its own serialization metadata).
    private static readonly ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> RelaxedOptions = new();

    private static ProblemHttpResult NotFound() => ApiProblems.NotFound("webhook endpoint");

    private static DateTime Now(TimeProvider time) => time.GetUtcNow().UtcDateTime;
}
