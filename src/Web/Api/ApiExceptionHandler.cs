using FieldCamp.Domain;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace FieldCamp.Web.Api;

/// <summary>
/// Turns what a caller got wrong into a 4xx problem on API routes: unreadable bodies, invalid fields, scopes
/// beyond the caller's own, and changes the key's state does not allow; a database that cannot be reached is a 503 with
/// Retry-After. Anything else stays a 500 with no details.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!context.Request.Path.StartsWithSegments("/api")) return false;

        ProblemDetails? problem = exception switch
        {
            BadHttpRequestException bad => Validation(bad.StatusCode, new() { ["body"] = [Describe(bad)] }),
            DomainValidationException invalid => Validation(StatusCodes.Status400BadRequest, invalid.Errors.ToDictionary()),
            ScopeEscalationException escalation => ApiProblems.InsufficientScope(escalation.Scopes, escalation.Message),
            DomainException rule => ApiProblems.Create(StatusCodes.Status409Conflict, "invalid_state", rule.Message),
            _ when StoreOutage.IsStoreFailure(exception) => ApiProblems.ServiceUnavailable(),
            _ => null,
        };
        if (problem is null) return false;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            // Reported once a minute, not per request: the database being down is one fact, however many requests meet it.
            context.RequestServices.GetRequiredService<StoreOutage>().Report(exception, "answering an API request");
            context.Response.Headers.RetryAfter = StoreOutage.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static HttpValidationProblemDetails Validation(int status, Dictionary<string, string[]> errors)
    {
        var problem = new HttpValidationProblemDetails(errors) { Status = status, Detail = "One or more fields are invalid." };
        problem.Extensions[ApiProblems.CodeKey] = status == StatusCodes.Status400BadRequest ? "validation_failed" : ApiProblems.DefaultCode(status);
        return problem;
    }

    // The framework's own messages name the parameter, not the input, so they cannot echo a secret back.
    private static string Describe(BadHttpRequestException bad) => bad.InnerException is System.Text.Json.JsonException json
        ? $"The request body is not valid JSON for this endpoint{(json.Path is { } path ? $" (at {path})" : "")}."
        : bad.Message;
}
