using System.Text.Json;
using System.Text.Json.Nodes;
using FieldCamp.Web.Api;
using FieldCamp.Web.Auth;
using Microsoft.AspNetCore.Mvc;

namespace FieldCamp.Web.ApiReference;

/// <summary>
/// Example problem bodies for the document, made by the factories in <see cref="ApiProblems"/> that make the real
/// ones, so the examples cannot say anything the API does not.
/// </summary>
internal static class ProblemExamples
{
    private const string ExampleTraceId = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    public static JsonNode For(int status, string code)
    {
        ProblemDetails problem = (status, code) switch
        {
            (400, _) => ApiProblems.Validation(new Dictionary<string, string[]>
            {
                ["name"] = ["Give the client a name of 1 to 200 characters."],
            }).ProblemDetails,
            (401, ProblemCodes.InvalidSignature) => ApiProblems.Create(401, code, "No trusted public key has that Github-Public-Key-Identifier."),
            (401, _) => ApiProblems.Unauthorized(code),
            (403, _) => ApiProblems.InsufficientScope(["clients:write"]),
            (404, _) => ApiProblems.NotFound("client").ProblemDetails,
            (409, ProblemCodes.IdempotencyKeyInFlight) => ApiProblems.IdempotencyKeyInFlight(),
            (409, _) => ApiProblems.Create(409, code, "This client has jobs, so it cannot be deleted. Delete or move its jobs first."),
            (413, _) => ApiProblems.PayloadTooLarge(new ApiOptions().MaxBodyBytes),
            (415, _) => ApiProblems.UnsupportedMediaType(),
            (422, _) => ApiProblems.IdempotencyKeyReused(),
            (429, FailedCredentialThrottle.TooManyFailuresCode) => ApiProblems.TooManyFailedCredentials(),
            (429, _) => ApiProblems.RateLimited("company"),
            (503, _) => ApiProblems.ServiceUnavailable(),
            _ => ApiProblems.Create(status, code, "The request failed."),
        };
        // As the problem writer sends it: the framework's type and title for the status, and a trace id.
        problem = TypedResults.Problem(problem).ProblemDetails;
        if (status is not (401 or 429 or 503)) problem.Extensions.TryAdd("traceId", ExampleTraceId);
        return JsonSerializer.SerializeToNode(problem, problem.GetType(), ApiProblems.PrecomputedJsonOptions)!;
    }
}
