namespace FieldCamp.Web.Auth;

/// <summary>Names used by the API credential scheme: the scheme itself, its headers and its claims.</summary>
public static class ApiKeyDefaults
{
    public const string Scheme = "ApiKey";

    /// <summary>The hosted API lives under <c>/api</c>; only there do API credentials count, and only they do.</summary>
    public static bool IsApiRequest(HttpRequest request) => request.Path.StartsWithSegments("/api");
    public const string ApiKeyHeader = "X-Api-Key";
    public const string Realm = "fieldcamp";
    /// <summary>On every response to a request made with a key that expires: when it does, so integrations can warn their team.</summary>
    public const string ExpiresAtHeader = "FieldCamp-Key-Expires-At";

    public const string ScopeClaim = "scope";              // one claim per effective scope (implications expanded)
    public const string GrantedScopeClaim = "fc:granted";  // one claim per scope as granted, for display
    public const string CredentialTypeClaim = "fc:credential_type";
    public const string CredentialIdClaim = "fc:credential_id";
    public const string CredentialNameClaim = "fc:credential_name";
    public const string ExpiresAtClaim = "fc:expires_at";
    public const string CompanyIdClaim = "fc:company_id";
    public const string CompanySlugClaim = "fc:company_slug";
    public const string CompanyNameClaim = "fc:company_name";
    public const string BranchIdClaim = "fc:branch_id";
    public const string BranchNameClaim = "fc:branch_name";

    public const string ApiKeyCredential = "api_key";
    public const string LegacyJwtCredential = "legacy_jwt";
}

/// <summary>The stable machine-readable <c>code</c> of each authentication failure.</summary>
public static class AuthFailureCodes
{
    public const string MissingCredentials = "missing_credentials";
    public const string InvalidKey = "invalid_key";
    public const string KeyExpired = "key_expired";
    public const string KeyRevoked = "key_revoked";
    public const string ConflictingCredentials = "conflicting_credentials";
    /// <summary>The Authorization or X-Api-Key header sent more than once (or two keys folded into one line).</summary>
    public const string AmbiguousCredential = "ambiguous_credential";
}
