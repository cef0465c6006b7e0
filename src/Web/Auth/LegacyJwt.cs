using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FieldCamp.Web.Auth;

/// <summary>Bound from <c>LegacyJwt</c>: the long-lived tokens support handed out before self-serve keys.</summary>
public sealed class LegacyJwtOptions
{
    public const string Section = "LegacyJwt";
    public const int MinimumKeyBytes = 32;

    public bool Enabled { get; set; } = true;

    /// <summary>The HS256 key, as text. Without one, every JWT is refused.</summary>
    public string? SigningKey { get; set; }

    internal bool Accepts => Enabled && !string.IsNullOrEmpty(SigningKey);
}

internal sealed class LegacyJwtOptionsValidation : IValidateOptions<LegacyJwtOptions>
{
    public ValidateOptionsResult Validate(string? name, LegacyJwtOptions options) =>
        !string.IsNullOrEmpty(options.SigningKey) && Encoding.UTF8.GetByteCount(options.SigningKey) < LegacyJwtOptions.MinimumKeyBytes
            ? ValidateOptionsResult.Fail($"LegacyJwt:SigningKey must be at least {LegacyJwtOptions.MinimumKeyBytes} bytes.")
            : ValidateOptionsResult.Success;
}

/// <summary>
/// Checks a legacy HS256 token: signature, <c>exp</c> when present, and the <c>company</c>/<c>branch</c> claims
/// naming a tenant. Issuer and audience were never set on these tokens, so they are not checked.
/// A valid token acts with every scope.
/// </summary>
internal sealed class LegacyJwtValidator(IOptionsMonitor<LegacyJwtOptions> options, TenantDirectory tenants)
{
    private readonly JsonWebTokenHandler _tokens = new();

    /// <summary>A JWT is told from a key by its shape alone: three dot-separated parts.</summary>
    public static bool LooksLikeJwt(ReadOnlySpan<char> credential) => credential.Count('.') == 2;

    public async Task<(AuthenticateResult? Success, ApiCredentialFeature? Credential, string? FailureCode)> ValidateAsync(string token)
    {
        var settings = options.CurrentValue;
        if (!settings.Accepts) return (null, null, AuthFailureCodes.InvalidKey);

        var result = await _tokens.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.SigningKey!)),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = false,
            ValidateAudience = false,
            RequireExpirationTime = false,
            ClockSkew = TimeSpan.Zero,
        });
        if (!result.IsValid)
            return (null, null, result.Exception is SecurityTokenExpiredException ? AuthFailureCodes.KeyExpired : AuthFailureCodes.InvalidKey);

        var jwt = (JsonWebToken)result.SecurityToken;
        if (!jwt.TryGetPayloadValue<string>("company", out var company) || string.IsNullOrEmpty(company))
            return (null, null, AuthFailureCodes.InvalidKey);
        jwt.TryGetPayloadValue<string>("branch", out var branch);
        var tenant = await tenants.FindAsync(company, branch);
        if (tenant is null) return (null, null, AuthFailureCodes.InvalidKey);

        DateTime? expiresAt = jwt.TryGetPayloadValue<long>("exp", out _) ? jwt.ValidTo : null;
        var principal = ApiPrincipal.Create(ApiKeyDefaults.LegacyJwtCredential, "legacy_jwt", "Legacy token",
            [Domain.ApiKeys.Scopes.All], expiresAt, tenant);
        // A legacy token has no key and no override: it draws on its company's shared allowance.
        var credential = new ApiCredentialFeature(((ApiCallerPrincipal)principal).Caller, KeyId: null, RateLimitPerMinute: null, Accepted: true);
        return (AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeyDefaults.Scheme)), credential, null);
    }
}
