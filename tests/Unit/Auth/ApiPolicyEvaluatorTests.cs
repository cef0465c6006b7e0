using System.Security.Claims;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Auth;

/// <summary>
/// The API's policies are decided by <see cref="ApiPolicyEvaluator"/> without the framework's handler pipeline. Its
/// verdict (success, forbidden with which requirements, or a challenge) must be the one the framework reaches with the
/// same policies, for every kind of caller and every policy an endpoint can carry.
/// </summary>
public class ApiPolicyEvaluatorTests
{
    private static readonly TenantInfo Tenant = new("co_1", "acme", "Acme Field Services", "br_1", "North");

    private static readonly Dictionary<string, Func<ClaimsPrincipal>> Callers = new()
    {
        ["key with *"] = () => Key(Scopes.All),
        ["key with clients:write"] = () => Key("clients:write"),
        ["key with jobs:read and api_keys:manage"] = () => Key("jobs:read", Scopes.ApiKeysManage),
        ["legacy token"] = () => ApiPrincipal.Create(ApiKeyDefaults.LegacyJwtCredential, "legacy_jwt", "Legacy token", [Scopes.All], null, Tenant),
        ["dashboard cookie user"] = () => new(new ClaimsIdentity([new Claim(ApiKeyDefaults.ScopeClaim, "clients:read")], "Identity.Application")),
        ["anonymous"] = () => new(new ClaimsIdentity()),
    };

    public static TheoryData<string, string[]> Cases()
    {
        var policies = new List<string[]> { new[] { Policies.ApiCaller } };
        policies.AddRange(Scopes.Catalogue.Select(scope => new[] { Policies.Scope(scope) }));
        policies.Add([Policies.ApiCaller, Policies.Scope("clients:read"), Policies.Scope("jobs:write")]);
        var data = new TheoryData<string, string[]>();
        foreach (var caller in Callers.Keys)
            foreach (var names in policies) data.Add(caller, names);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ApiPolicy_SameVerdictAsTheFramework(string caller, string[] policyNames)
    {
        using var services = Services();
        var policy = await CombinedAsync(services, policyNames);

        var ours = await EvaluateAsync(services.GetRequiredService<IPolicyEvaluator>(), services, policy, Callers[caller]());
        var framework = await EvaluateAsync(services.GetRequiredService<PolicyEvaluator>(), services, policy, Callers[caller]());

        Assert.IsType<ApiPolicyEvaluator>(services.GetRequiredService<IPolicyEvaluator>());
        Assert.Equal(framework, ours);
    }

    [Fact]
    public async Task ScopePolicy_KeyWithoutTheScope_ForbiddenNamingOnlyTheMissingScope()
    {
        using var services = Services();
        var policy = await CombinedAsync(services, [Policies.Scope("clients:read"), Policies.Scope("jobs:read")]);

        var verdict = await EvaluateAsync(services.GetRequiredService<IPolicyEvaluator>(), services, policy, Key("jobs:write"));

        Assert.Equal("forbidden: ScopeRequirement(clients:read)", verdict);
    }

    [Fact]
    public async Task OtherPolicy_IsLeftToTheFramework()
    {
        using var services = Services();
        var signedIn = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();

        var verdict = await EvaluateAsync(services.GetRequiredService<IPolicyEvaluator>(), services, signedIn, Callers["dashboard cookie user"]());
        var anonymous = await EvaluateAsync(services.GetRequiredService<IPolicyEvaluator>(), services, signedIn, Callers["anonymous"]());

        Assert.Equal("success", verdict);
        Assert.Equal("challenge", anonymous);
    }

    private static ClaimsPrincipal Key(params string[] scopes) =>
        ApiPrincipal.Create(ApiKeyDefaults.ApiKeyCredential, "key_1", "Zapier", scopes, null, Tenant);

    private static ServiceProvider Services()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAuthorizationBuilder().AddApiPolicies();
        return services.BuildServiceProvider();
    }

    private static async Task<AuthorizationPolicy> CombinedAsync(IServiceProvider services, IEnumerable<string> names) =>
        (await AuthorizationPolicy.CombineAsync(services.GetRequiredService<IAuthorizationPolicyProvider>(),
            names.Select(name => new AuthorizeAttribute(name))))!;

    /// <summary>Evaluates the way the authorization middleware does, after authentication put its result on the request.</summary>
    private static async Task<string> EvaluateAsync(IPolicyEvaluator evaluator, IServiceProvider services, AuthorizationPolicy policy,
        ClaimsPrincipal user)
    {
        using var scope = services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider, User = user };
        if (user.Identity?.IsAuthenticated == true)
        {
            var feature = new AuthenticateResultFeature { AuthenticateResult = AuthenticateResult.Success(new AuthenticationTicket(user, "test")) };
            context.Features.Set<IAuthenticateResultFeature>(feature);
        }
        var authentication = await evaluator.AuthenticateAsync(policy, context);
        var result = await evaluator.AuthorizeAsync(policy, authentication, context, context);
        return result switch
        {
            { Succeeded: true } => "success",
            { Challenged: true } => "challenge",
            _ => "forbidden: " + string.Join(", ", result.AuthorizationFailure!.FailedRequirements.Select(Describe)),
        };
    }

    private static string Describe(IAuthorizationRequirement requirement) => requirement switch
    {
        ScopeRequirement scope => $"ScopeRequirement({scope.Scope})",
        _ => requirement.GetType().Name,
    };

    private sealed class AuthenticateResultFeature : IAuthenticateResultFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; }
    }
}
