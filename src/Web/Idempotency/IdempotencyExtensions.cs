using FieldCamp.Web.Api;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Idempotency;

internal static class IdempotencyExtensions
{
    public static IServiceCollection AddIdempotency(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IdempotencyOptions>()
            .Bind(configuration.GetSection(IdempotencyOptions.Section))
            // The API's body limit is the one limit: a body the API would accept is always read whole to fingerprint it.
            .PostConfigure<IOptions<ApiOptions>>((options, api) => options.MaxBodyBytes = api.Value.MaxBodyBytes);
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<IdempotencyPruning>();
        services.AddHostedService(provider => provider.GetRequiredService<IdempotencyPruning>());
        return services;
    }

    /// <summary>After authorization: a request refused for its credential, scope or rate never reaches it.</summary>
    public static IApplicationBuilder UseIdempotency(this IApplicationBuilder app) => app.UseMiddleware<IdempotencyMiddleware>();
}
