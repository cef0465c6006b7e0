using System.ComponentModel;
using System.Reflection;
using System.Text.Json.Nodes;
using FieldCamp.Web.Api;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Idempotency;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FieldCamp.Web.ApiReference;

/// <summary>
/// Completes each operation from its endpoint's metadata and the API's shared pipeline: the operation id, the scope it
/// needs (<c>RequireScope</c>, in its description and as <c>x-required-scopes</c>), the credentials it takes, and every
/// answer the pipeline in front of it can give (401, 403, 404, 409, 400, 413, 415, 422, 429, 503) as problem+json.
/// </summary>
internal sealed class ApiOperationTransformer : IOpenApiOperationTransformer
{
    public const string RequiredScopesExtension = "x-required-scopes";
    private const string ScopePolicyPrefix = "api:scope:";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var document = context.Document;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var method = (description.HttpMethod ?? "GET").ToUpperInvariant();
        var path = description.RelativePath ?? "";

        operation.OperationId = OperationIds.For(method, path, metadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName);
        operation.Responses ??= new OpenApiResponses();
        // A query parameter's [Description] (paging, filters) is what the reference page shows beside it.
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            if ((description.ParameterDescriptions.FirstOrDefault(p => p.Name == parameter.Name)?.ParameterDescriptor as IParameterInfoParameterDescriptor)
                ?.ParameterInfo.GetCustomAttribute<DescriptionAttribute>() is { } text)
                parameter.Description ??= text.Description;

        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var scopes = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>()
            .Where(p => p.StartsWith(ScopePolicyPrefix, StringComparison.Ordinal)).Select(p => p[ScopePolicyPrefix.Length..])
            .Distinct().ToList();
        var hasPathParameters = path.Contains('{');
        var takesBody = description.ParameterDescriptions.Any(p => p.Source?.Id == "Body") || operation.RequestBody is not null;
        var takesQuery = description.ParameterDescriptions.Any(p => p.Source?.Id == "Query");
        var writes = method is "POST" or "PUT" or "PATCH" or "DELETE";

        if (anonymous)
        {
            // Proves itself another way (the signed leak reports): its own scheme, and no key scope.
            operation.Security = [Requirement(ApiDocumentTransformer.GitHubSignatureScheme, document)];
            Add(operation, 401, "The report's signature is missing or does not verify.", [ProblemCodes.InvalidSignature], document);
        }
        else
        {
            // Either credential: two requirements mean "one of them".
            operation.Security =
            [
                Requirement(ApiDocumentTransformer.BearerScheme, document),
                Requirement(ApiDocumentTransformer.ApiKeyScheme, document),
            ];
            Add(operation, 401, "No credential, or one that is not valid (unknown, expired, revoked, or two different ones).",
                ProblemCodes.ByStatus[401].Where(c => c != ProblemCodes.InvalidSignature).ToList(), document,
                [ApiDocumentTransformer.WwwAuthenticateHeader]);
        }

        var scopeText = scopes.Count switch
        {
            0 when anonymous => "No API key: the request is signed instead.",
            0 => "Any valid API key; no scope needed.",
            1 => $"Requires scope `{scopes[0]}`.",
            _ => $"Requires scopes {string.Join(", ", scopes.Select(s => $"`{s}`"))}.",
        };
        operation.Description = string.IsNullOrWhiteSpace(operation.Description) ? scopeText : $"{operation.Description}\n\n{scopeText}";
        if (scopes.Count > 0)
        {
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions[RequiredScopesExtension] = new JsonNodeExtension(new JsonArray([.. scopes.Select(s => (JsonNode)s)]));
            Add(operation, 403, $"The key lacks {(scopes.Count == 1 ? "the scope" : "a scope")} this operation needs; `missingScopes` names it.",
                [ProblemCodes.InsufficientScope], document);
        }

        if (takesBody || takesQuery || writes)
            Add(operation, 400, "A field, query parameter or header is invalid; `errors` maps each to what is wrong.",
                [ProblemCodes.ValidationFailed], document);
        if (hasPathParameters)
            Add(operation, 404, "Nothing with that id exists in the key's branch (another tenant's id is not found either).",
                [ProblemCodes.NotFound], document);
        if (writes && !anonymous)
        {
            Add(operation, 409, "The change is not allowed in the record's present state, or a request with the same Idempotency-Key is still running.",
                [ProblemCodes.InvalidState, ProblemCodes.IdempotencyKeyInFlight], document);
            Add(operation, 422, "This Idempotency-Key was already used for a different request.", [ProblemCodes.IdempotencyKeyReused], document);
            operation.Parameters ??= [];
            if (!operation.Parameters.Any(p => string.Equals(p.Name, IdempotencyKeyHeader.Name, StringComparison.OrdinalIgnoreCase)))
                operation.Parameters.Add(new OpenApiParameterReference(ApiDocumentTransformer.IdempotencyKeyParameter, document));
        }
        if (takesBody)
        {
            Add(operation, 413, "The body is larger than the server accepts.", [ProblemCodes.PayloadTooLarge], document);
            Add(operation, 415, "The body is not sent as JSON.", [ProblemCodes.UnsupportedMediaType], document);
        }
        Add(operation, 429, anonymous
                ? "Too many reports; retry after the seconds in Retry-After."
                : "The key's or its company's allowance for this window is spent, or this address sent too many refused credentials. Retry after the seconds in Retry-After.",
            anonymous ? [ProblemCodes.RateLimited] : ProblemCodes.ByStatus[429], document,
            anonymous ? [ApiDocumentTransformer.RetryAfterHeader] : [ApiDocumentTransformer.RetryAfterHeader, .. ApiDocumentTransformer.RateLimitHeaders]);
        Add(operation, 503, "The service cannot reach its data store; retry after the seconds in Retry-After.",
            [ProblemCodes.ServiceUnavailable], document, [ApiDocumentTransformer.RetryAfterHeader]);

        foreach (var (status, response) in operation.Responses)
        {
            if (!status.StartsWith('2') || response is not OpenApiResponse concrete || anonymous) continue;
            // Every accepted request is counted, and says where it stands.
            concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
            foreach (var header in ApiDocumentTransformer.RateLimitHeaders)
                concrete.Headers.TryAdd(ApiDocumentTransformer.HeaderName(header), new OpenApiHeaderReference(header, document));
            concrete.Headers.TryAdd(ApiDocumentTransformer.KeyExpiresAtHeader, new OpenApiHeaderReference(ApiDocumentTransformer.KeyExpiresAtHeader, document));
            if (writes)
                concrete.Headers.TryAdd(ApiDocumentTransformer.ReplayedHeader, new OpenApiHeaderReference(ApiDocumentTransformer.ReplayedHeader, document));
        }
        return Task.CompletedTask;
    }

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument? document) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };

    /// <summary>
    /// Sets the operation's answer for <paramref name="status"/> to the problem schema narrowed to <paramref name="codes"/>,
    /// with an example body made by the same factory that makes the real one. A problem answer the framework already
    /// listed (a ValidationProblem result's 400) is replaced, so every error reads the same way.
    /// </summary>
    private static void Add(OpenApiOperation operation, int status, string description, IReadOnlyList<string> codes,
        OpenApiDocument? document, IReadOnlyList<string>? headers = null)
    {
        var response = new OpenApiResponse
        {
            Description = $"{description} Codes: {string.Join(", ", codes.Select(c => $"`{c}`"))}.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new()
                {
                    Schema = ApiDocumentTransformer.ProblemSchemaFor(status, codes, document),
                    Example = ProblemExamples.For(status, codes[0]),
                },
            },
        };
        if (headers is { Count: > 0 })
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>();
            foreach (var header in headers) response.Headers[ApiDocumentTransformer.HeaderName(header)] = new OpenApiHeaderReference(header, document);
        }
        operation.Responses![status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
    }
}
