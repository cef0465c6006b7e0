using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>Legacy HS256 tokens as support used to hand them out, signed with the Development key by default.</summary>
internal static class LegacyTokens
{
    public const string DevelopmentSigningKey = "development-only-legacy-jwt-signing-key";

    public static string Create(Dictionary<string, object> claims, string signingKey = DevelopmentSigningKey,
        string algorithm = SecurityAlgorithms.HmacSha256, DateTime? expires = null)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), algorithm),
        };
        if (expires is { } exp)
        {
            // The handler refuses to write exp before nbf/iat, so an expired token is also issued in the past.
            descriptor.Expires = exp;
            var issued = exp < DateTime.UtcNow ? exp.AddHours(-2) : DateTime.UtcNow.AddMinutes(-1);
            descriptor.NotBefore = issued;
            descriptor.IssuedAt = issued;
        }
        else
        {
            // Long-lived tokens were issued without exp.
            return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
        }
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>An unsigned token (<c>alg: none</c>), which must never be accepted.</summary>
    public static string Unsigned(string payloadJson) =>
        $"{Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{Base64UrlEncoder.Encode(payloadJson)}.";
}
