using System.Diagnostics;
using FieldCamp.Web.Auth;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Api;

/// <summary>
/// Writes every API error as problem+json, whatever the request's <c>Accept</c> header says. The API has one
/// representation, and its error <c>code</c> is what clients branch on; the framework's own writer would fall back to
/// a bare "Status Code: 404" text for a client asking for HTML or XML, losing the code. (GitHub's and Stripe's APIs
/// answer JSON the same way.) Registered before the framework's writer, so it is asked first.
/// </summary>
internal sealed class ApiProblemWriter(IOptions<JsonOptions> json, IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    private readonly System.Text.Json.JsonSerializerOptions _problemJson = ApiProblems.JsonOptions(json.Value.SerializerOptions);

    public bool CanWrite(ProblemDetailsContext context) => ApiKeyDefaults.IsApiRequest(context.HttpContext.Request);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        context.ProblemDetails.Status ??= http.Response.StatusCode;
        // The result type fills in the standard type and title for the status, exactly as the framework's writer does.
        var problem = TypedResults.Problem(context.ProblemDetails).ProblemDetails;
        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? http.TraceIdentifier);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        return new(http.Response.WriteAsJsonAsync(problem, problem.GetType(), _problemJson, "application/problem+json"));
    }
}
