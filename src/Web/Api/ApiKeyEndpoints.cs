using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.Idempotency;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Api;

/// <summary>
/// <c>/api/v1/api-keys</c>: key management for keys with <c>api-keys:manage</c>. Everything is confined to the
/// caller's branch; another tenant's id is simply not found. Domain and scope errors become problems in
/// <see cref="ApiExceptionHandler"/>.
/// </summary>
internal static class ApiKeyEndpoints
{
    private const string KeyIdPrefix = "key_";

    public static RouteGroupBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/api-keys").WithTags("API keys").RequireScope(Scopes.ApiKeysManage);
        group.MapGet("/", ListApiKeys).WithName(nameof(ListApiKeys)).WithSummary("List the branch's keys (metadata only).");
        group.MapPost("/", CreateApiKey).WithName(nameof(CreateApiKey)).WithSummary("Create a key; the response holds its secret, once.")
            .RevealsSecret();
        group.MapGet("/{id}", GetApiKey).WithName(nameof(GetApiKey)).WithSummary("Get a key's metadata.");
        group.MapPatch("/{id}", UpdateApiKey).WithName(nameof(UpdateApiKey)).WithSummary("Change name, scopes, expiry or limit.");
        group.MapDelete("/{id}", RevokeApiKey).WithName(nameof(RevokeApiKey)).WithSummary("Revoke a key; it fails from the next request on.");
        group.MapPost("/{id}/rotate", RotateApiKey).WithName(nameof(RotateApiKey)).WithSummary("Mint a replacement; the old key may overlap.")
            .RevealsSecret();
        group.MapGet("/{id}/activity", GetApiKeyActivity).WithName(nameof(GetApiKeyActivity)).WithSummary("The key's recent requests.");

        var rotations = app.MapGroup("/api/v1/key-rotations").WithTags("API keys").RequireScope(Scopes.ApiKeysManage);
        rotations.MapGet("/{id}", GetKeyRotation).WithName(nameof(GetKeyRotation)).WithSummary("A rotation: its keys, step and choices.");
        rotations.MapPost("/{id}/cancel", CancelKeyRotation).WithName(nameof(CancelKeyRotation))
            .WithSummary("Cancel a rotation: the replacement is revoked, the old key carries on.");
        return group;
    }

    public static async Task<Results<Ok<Page<ApiKeyResponse>>, ValidationProblem>> ListApiKeys(
        ClaimsPrincipal user, AppDbContext db, TimeProvider time, PageCursors cursors,
        [Range(1, Paging.MaxLimit), DefaultValue(Paging.DefaultLimitText), Description(Paging.LimitText)] string? limit, [Description(Paging.CursorText)] string? cursor,
        [Description("Only keys in this state: active, expiring_soon, expired, stale or revoked; revoked keys are left out without it.")] string? status,
        CancellationToken cancellationToken)
    {
        var list = cursors.For(user, "api-keys");
        var errors = Paging.Validate(limit, cursor, list, out var take, out var after);
        ApiKeyStatus parsedStatus = default;
        if (status is not null && !ApiKeyStatusRules.TryParse(status, out parsedStatus))
            errors["status"] = ["Use one of active, expiring_soon, expired, stale, revoked."];
        if (errors.Count > 0) return ApiProblems.Validation(errors);

        var now = time.GetUtcNow().UtcDateTime;
        var keys = db.ApiKeys.AsNoTracking().InBranch(ApiCaller.From(user).KeyScope);
        keys = status is null ? keys.Where(k => k.RevokedAt == null) : keys.WithStatus(parsedStatus, now);
        if (after is not null) keys = keys.Where(k => k.Id.CompareTo(after) < 0);
        var rows = await keys.OrderByDescending(k => k.Id).Take(take + 1).ToListAsync(cancellationToken);

        var owners = await OwnerEmailsAsync(db, rows, cancellationToken);
        var page = Paging.ToPage(rows, take, list, k => k.Id);
        return TypedResults.Ok(new Page<ApiKeyResponse>(
            [.. page.Data.Select(k => ApiKeyResponse.From(k, now, OwnerEmail(owners, k)))], page.NextCursor));
    }

    public static async Task<Created<ApiKeyResponse>> CreateApiKey(
        CreateApiKeyRequest request, ClaimsPrincipal user, HttpContext http, ApiKeyManager manager, TimeProvider time,
        CancellationToken cancellationToken)
    {
        InputLimits.Enforce(errors => InputLimits.CheckScopes(errors, request.Scopes));
        var caller = ApiCaller.From(user);
        var spec = new NewApiKey(request.Name ?? "", request.Scopes ?? [], request.ExpiresAt?.UtcDateTime, request.RateLimit?.RequestsPerMinute);
        var (key, secret) = await manager.CreateAsync(caller.KeyScope, spec, caller.ToActor(http), caller.GrantedScopes, cancellationToken);
        return TypedResults.Created($"/api/v1/api-keys/{key.Id}", ApiKeyResponse.From(key, time.GetUtcNow().UtcDateTime, null, secret));
    }

    public static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> GetApiKey(
        string id, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.AsNoTracking().InBranch(ApiCaller.From(user).KeyScope).FirstOrDefaultAsync(k => k.Id == id, cancellationToken);
        if (key is null) return ApiProblems.NotFound("API key");
        var owners = await OwnerEmailsAsync(db, [key], cancellationToken);
        return TypedResults.Ok(ApiKeyResponse.From(key, time.GetUtcNow().UtcDateTime, OwnerEmail(owners, key)));
    }

    public static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> UpdateApiKey(
        string id, UpdateApiKeyRequest request, ClaimsPrincipal user, HttpContext http, ApiKeyManager manager,
        AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        InputLimits.Enforce(errors => InputLimits.CheckScopes(errors, request.Scopes));
        var caller = ApiCaller.From(user);
        var key = await manager.UpdateAsync(caller.KeyScope, id, request.ToUpdate(), caller.ToActor(http), caller.GrantedScopes, cancellationToken);
        if (key is null) return ApiProblems.NotFound("API key");
        var owners = await OwnerEmailsAsync(db, [key], cancellationToken);
        return TypedResults.Ok(ApiKeyResponse.From(key, time.GetUtcNow().UtcDateTime, OwnerEmail(owners, key)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiKey(
        string id, ClaimsPrincipal user, HttpContext http, ApiKeyManager manager, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        var key = await manager.RevokeAsync(caller.KeyScope, id, caller.ToActor(http), cancellationToken);
        return key is null ? ApiProblems.NotFound("API key") : TypedResults.NoContent();
    }

    public static async Task<Results<Created<ApiKeyResponse>, ProblemHttpResult>> RotateApiKey(
        string id, RotateApiKeyRequest? request, ClaimsPrincipal user, HttpContext http, ApiKeyManager manager, AppDbContext db,
        TimeProvider time, CancellationToken cancellationToken)
    {
        InputLimits.Enforce(errors => InputLimits.CheckScopes(errors, request?.Scopes));
        var caller = ApiCaller.From(user);
        var rotated = await manager.RotateAsync(caller.KeyScope, id, (request ?? new()).ToOptions(), caller.ToActor(http),
            caller.GrantedScopes, cancellationToken);
        if (rotated is not var (_, replacement, secret, rotation)) return ApiProblems.NotFound("API key");
        var owners = await OwnerEmailsAsync(db, [replacement], cancellationToken);
        return TypedResults.Created($"/api/v1/api-keys/{replacement.Id}",
            ApiKeyResponse.From(replacement, time.GetUtcNow().UtcDateTime, OwnerEmail(owners, replacement), secret, rotation.Id));
    }

    public static async Task<Results<Ok<KeyRotationResponse>, ProblemHttpResult>> GetKeyRotation(
        string id, ClaimsPrincipal user, ApiKeyManager manager, CancellationToken cancellationToken)
    {
        var found = await manager.GetRotationAsync(ApiCaller.From(user).KeyScope, id, cancellationToken);
        return found is var (rotation, old, _) ? TypedResults.Ok(KeyRotationResponse.From(rotation, old)) : ApiProblems.NotFound("rotation");
    }

    public static async Task<Results<Ok<KeyRotationResponse>, ProblemHttpResult>> CancelKeyRotation(
        string id, ClaimsPrincipal user, HttpContext http, ApiKeyManager manager, CancellationToken cancellationToken)
    {
        var caller = ApiCaller.From(user);
        if (await manager.GetRotationAsync(caller.KeyScope, id, cancellationToken) is not var (_, oldKey, _))
            return ApiProblems.NotFound("rotation");
        // Cancelling revokes the replacement and may give the old key back its expiry: the same reach as rotating it.
        EnsureMayChange(caller, oldKey);
        var rotation = await manager.CancelRotationAsync(caller.KeyScope, id, caller.ToActor(http), cancellationToken);
        if (rotation is null) return ApiProblems.NotFound("rotation");
        var now = await manager.GetRotationAsync(caller.KeyScope, id, cancellationToken);
        return TypedResults.Ok(KeyRotationResponse.From(rotation, now!.Value.Old));
    }

    public static async Task<Results<Ok<Page<ApiKeyRequestDto>>, ValidationProblem, ProblemHttpResult>> GetApiKeyActivity(
        string id, ClaimsPrincipal user, AppDbContext db, TimeProvider time, PageCursors cursors,
        [Range(1, 720), DefaultValue("48"), Description("How many hours back to look.")] string? hours,
        [Range(1, Paging.MaxLimit), DefaultValue(Paging.DefaultLimitText), Description(Paging.LimitText)] string? limit, [Description(Paging.CursorText)] string? cursor,
        CancellationToken cancellationToken)
    {
        var list = cursors.For(user, $"api-keys/{id}/activity");
        var errors = Paging.Validate(limit, cursor, list, out var take, out var after);
        var window = 48;
        if (hours is not null && !(Paging.TryParseInt(hours, out window) && window is >= 1 and <= 720))
            errors["hours"] = ["Choose between 1 and 720 hours."];
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        if (!await db.ApiKeys.InBranch(ApiCaller.From(user).KeyScope).AnyAsync(k => k.Id == id, cancellationToken))
            return ApiProblems.NotFound("API key");

        var since = time.GetUtcNow().UtcDateTime.AddHours(-window);
        var requests = db.ApiKeyRequests.AsNoTracking().Where(r => r.ApiKeyId == id && r.At >= since);
        if (after is not null)
        {
            var before = long.Parse(after, CultureInfo.InvariantCulture);
            requests = requests.Where(r => r.Id < before);
        }
        var rows = await requests.OrderByDescending(r => r.Id).Take(take + 1).ToListAsync(cancellationToken);
        var page = Paging.ToPage(rows, take, list, r => r.Id.ToString(CultureInfo.InvariantCulture));
        return TypedResults.Ok(new Page<ApiKeyRequestDto>(
            [.. page.Data.Select(r => new ApiKeyRequestDto(r.At, r.Method, r.Path, r.Status, r.Ip, r.UserAgent, r.Count))], page.NextCursor));
    }

    private static void EnsureMayChange(ApiCaller caller, ApiKey key)
    {
        var beyond = Scopes.NotGrantableBy(caller.GrantedScopes, key.Scopes);
        if (beyond.Count > 0)
            throw new ScopeEscalationException(beyond,
                $"This key can only change keys whose scopes lie within its own; {key.Id} also holds {string.Join(", ", beyond)}.");
    }

    private static async Task<Dictionary<string, string?>> OwnerEmailsAsync(AppDbContext db, IEnumerable<ApiKey> keys, CancellationToken cancellationToken)
    {
        var ids = keys.Select(k => k.OwnerId).OfType<string>().Distinct().ToList();
        return ids.Count == 0 ? [] : await db.Users.Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email, cancellationToken);
    }

    private static string? OwnerEmail(Dictionary<string, string?> owners, ApiKey key) =>
        key.OwnerId is not null && owners.TryGetValue(key.OwnerId, out var email) ? email : null;
}
