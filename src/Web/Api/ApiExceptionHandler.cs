using FieldCamp.Domain;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace FieldCamp.Web.Api;

/// <summary>
/// Turns what a caller got wrong into a 4xx problem on API routes: unreadable bodies, invalid fields, scopes
/// beyond the caller's own, and changes the key's state does not allow; a database that cannot be reached is a 503 with
/// Retry-After. Anything else stays a 500 with no details.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems, IOptions<ApiOptions> api, IOptions<JsonOptions> json)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!context.Request.Path.StartsWithSegments("/api")) return false;

        ProblemDetails? problem = exception switch
        {
            BadHttpRequestException bad => Unreadable(context, bad),
            DomainValidationException invalid => Validation(StatusCodes.Status400BadRequest, invalid.Errors.ToDictionary()),
            ScopeEscalationException escalation => ApiProblems.InsufficientScope(escalation.Scopes, escalation.Message),
            DomainException rule => ApiProblems.Create(StatusCodes.Status409Conflict, ProblemCodes.InvalidState, rule.Message),
            KeyLookupBusyException => ApiProblems.KeyLookupBusy(),
            _ when StoreOutage.IsStoreFailure(exception) => ApiProblems.ServiceUnavailable(),
            _ => null,
        };
        if (problem is null) return false;
        if (exception is KeyLookupBusyException)
            context.Response.Headers.RetryAfter = ApiProblems.KeyLookupBusyRetryAfter;
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            // Reported once a minute, not per request: the database being down is one fact, however many requests meet it.
            context.RequestServices.GetRequiredService<StoreOutage>().Report(exception, "answering an API request");
            context.Response.Headers.RetryAfter = StoreOutage.RetryAfter;
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>
    /// A request the framework could not bind, in words of our own: its messages name C# types and parameters (and the
    /// binding ones quote the value sent, which may be a secret).
    /// </summary>
    private ProblemDetails Unreadable(HttpContext context, BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge) return ApiProblems.PayloadTooLarge(api.Value.MaxBodyBytes);
        if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType) return ApiProblems.UnsupportedMediaType();
        // The exception handler clears the request's endpoint before it calls us; its feature keeps the one that threw.
        var accepts = (context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint())?.Metadata.GetMetadata<IAcceptsMetadata>();
        if (bad.InnerException is JsonException fault)
        {
            var (field, message) = DescribeJson(fault, accepts?.RequestType);
            return Validation(StatusCodes.Status400BadRequest, new() { [field] = [message] });
        }
        if (bad.StatusCode != StatusCodes.Status400BadRequest) return Validation(bad.StatusCode, new() { ["request"] = ["The request could not be read."] });
        // The framework's other 400 for an endpoint that takes a body: none came, or it was the JSON literal null.
        return accepts is not null
            ? Validation(StatusCodes.Status400BadRequest, new() { ["body"] = ["A request body is required."] })
            : Validation(StatusCodes.Status400BadRequest, new() { ["request"] = ["The request could not be read."] });
    }

    private const int MaxFieldNameLength = 64;

    /// <summary>The field at fault (its JSON path, "body" for the document itself) and what is wrong with it.</summary>
    private (string Field, string Message) DescribeJson(JsonException fault, Type? bodyType)
    {
        var (field, message) = DescribeJsonFault(fault, bodyType);
        // A name the client made up is quoted back only in part: a 100 KB property name is not an answer's business.
        return (field.Length <= MaxFieldNameLength ? field : field[..MaxFieldNameLength] + "…", message);
    }

    private (string Field, string Message) DescribeJsonFault(JsonException fault, Type? bodyType)
    {
        var field = fault.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
        // The serializer's message is only inspected for the kind of fault; it never goes out (it names .NET types).
        var text = fault.Message;
        if (text.Contains("could not be mapped", StringComparison.Ordinal))
        {
            var name = UnmappedName(text) ?? field;
            return (name, KnownPropertyLike(name, bodyType) is { } known
                ? $"This endpoint has no such property; did you mean {known}?"
                : "This endpoint has no such property. Check its spelling (properties are camelCase, such as expiresAt).");
        }
        if (text.Contains("uplicate", StringComparison.Ordinal))
            return (field, "This property is given more than once. Send it once.");
        // The maximum depth passed; not "Expected depth to be zero at the end…", which is JSON cut short.
        if (text.Contains("depth", StringComparison.OrdinalIgnoreCase) && !text.Contains("Expected depth", StringComparison.Ordinal))
            return ("body", "The body is nested too deeply.");
        // Our own converters (instants) say what is wrong in words of their own.
        if (fault is JsonFieldException refused) return (field, refused.Plain);
        // A reader error (its exception inside) is broken JSON wherever it stopped, such as an unclosed brace.
        if (field == "body" || fault.InnerException is JsonException) return ("body", "The request body is not valid JSON for this endpoint.");
        return (field, Expected(FieldType(bodyType, field)) ?? "This value has the wrong type or format for this field.");
    }

    /// <summary>What a field of this type takes, said plainly: most often a number sent as text ("12.50" for 12.50).</summary>
    private static string? Expected(Type? type) => type switch
    {
        null => null,
        _ when type == typeof(decimal) || type == typeof(double) || type == typeof(float) =>
            "Give a number such as 12.5, written without quotes.",
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) =>
            "Give a whole number such as 5, written without quotes.",
        _ when type == typeof(bool) => "Give true or false, without quotes.",
        _ when type == typeof(DateOnly) => "Give a date such as 2026-12-05.",
        _ when type == typeof(string) => "Give text in quotes.",
        _ when typeof(System.Collections.IEnumerable).IsAssignableFrom(type) => "Give a list in square brackets.",
        _ when type.IsClass => "Give an object in curly braces.",
        _ => null,
    };

    /// <summary>
    /// The type of the field at <paramref name="path"/> (such as <c>lines[0].unitPrice</c>) in the body, as the
    /// serializer sees it; null when the path leads nowhere known.
    /// </summary>
    private Type? FieldType(Type? bodyType, string path)
    {
        if (bodyType is null) return null;
        var options = json.Value.SerializerOptions;
        try
        {
            var type = bodyType;
            foreach (var part in path.Split('.'))
            {
                var bracket = part.IndexOf('[');
                var name = bracket < 0 ? part : part[..bracket];
                if (name.Length > 0)
                {
                    var property = options.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type).Properties.FirstOrDefault(p => p.Name == name);
                    if (property is null) return null;
                    type = property.PropertyType;
                }
                for (var i = 0; bracket >= 0 && i < part.Count(c => c == '['); i++)
                {
                    if (options.GetTypeInfo(type).ElementType is not { } element) return null;
                    type = element;
                }
            }
            return Nullable.GetUnderlyingType(type) ?? type;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// The body's own property that <paramref name="name"/> was probably meant to be: the same letters, whatever the
    /// case and separators (expires_at, ExpiresAt, expires-at for expiresAt). Top-level properties only.
    /// </summary>
    private string? KnownPropertyLike(string name, Type? bodyType)
    {
        if (bodyType is null || name.Length > MaxFieldNameLength) return null;
        var wanted = Letters(name);
        try
        {
            return json.Value.SerializerOptions.GetTypeInfo(bodyType).Properties.FirstOrDefault(p => Letters(p.Name) == wanted)?.Name;
        }
        catch (NotSupportedException)
        {
            return null;
        }

        static string Letters(string text) => new([.. text.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);
    }

    // "The JSON property 'expires_at' could not be mapped …": the property's own name, as sent.
    private static string? UnmappedName(string message)
    {
        var start = message.IndexOf('\'');
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start + 1 ? message[(start + 1)..end] : null;
    }

    private static HttpValidationProblemDetails Validation(int status, Dictionary<string, string[]> errors)
    {
        var problem = new HttpValidationProblemDetails(errors) { Status = status, Detail = "One or more fields are invalid." };
        problem.Extensions[ApiProblems.CodeKey] = status == StatusCodes.Status400BadRequest ? ProblemCodes.ValidationFailed : ApiProblems.DefaultCode(status);
        return problem;
    }
}
