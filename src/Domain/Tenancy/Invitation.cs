using System.Security.Cryptography;
using System.Text;

namespace FieldCamp.Domain.Tenancy;

/// <summary>
/// An offer to join a company with a role, by a link that carries a one-time token. Only the token's SHA-256 is
/// stored, like a key's secret: a copy of the database does not hold working links.
/// </summary>
public sealed class Invitation
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    private Invitation() { }

    private Invitation(string id, string companyId, string email, Role role, byte[] tokenHash, string invitedBy, DateTime createdAt)
    {
        Id = id;
        CompanyId = companyId;
        Email = email;
        NormalizedEmail = Normalize(email);
        Role = role;
        TokenHash = tokenHash;
        InvitedBy = invitedBy;
        CreatedAt = createdAt;
        ExpiresAt = createdAt + Lifetime;
    }

    public string Id { get; private set; } = "";
    public string CompanyId { get; private set; } = "";
    public string Email { get; private set; } = "";
    public string NormalizedEmail { get; private set; } = "";
    public Role Role { get; private set; }
    public byte[] TokenHash { get; private set; } = [];
    /// <summary>Who sent it, as the audit trail names them (an e-mail, or "cli").</summary>
    public string InvitedBy { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public DateTime ExpiresAt { get; private set; }
    public DateTime? AcceptedAt { get; private set; }
    public DateTime? CancelledAt { get; private set; }

    /// <summary>
    /// A new invitation and its token, the only copy: it goes into the link shown once to whoever invited. 128 random
    /// bits, so guessing a live link is hopeless and the accept page needs no throttle of its own.
    /// </summary>
    public static (Invitation Invitation, string Token) Create(string companyId, string email, Role role, string invitedBy, DateTime nowUtc)
    {
        if (!Enum.IsDefined(role)) throw new DomainException("Choose Owner, Admin or Member.");
        var token = Base64Url(RandomNumberGenerator.GetBytes(16));
        return (new Invitation(Ids.New("inv", nowUtc), companyId, email.Trim(), role, HashToken(token), invitedBy, nowUtc), token);
    }

    public static byte[] HashToken(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static string Normalize(string email) => email.Trim().ToUpperInvariant();

    public bool IsPendingAt(DateTime nowUtc) => AcceptedAt is null && CancelledAt is null && nowUtc < ExpiresAt;

    public void Accept(DateTime nowUtc)
    {
        if (!IsPendingAt(nowUtc)) throw new DomainException(NotValidMessage);
        AcceptedAt = nowUtc;
    }

    public void Cancel(DateTime nowUtc)
    {
        if (!IsPendingAt(nowUtc)) throw new DomainException("This invitation is no longer pending.");
        CancelledAt = nowUtc;
    }

    /// <summary>One answer for an unknown, used, cancelled or expired link: it tells a guesser nothing.</summary>
    public const string NotValidMessage =
        "This invitation link is not valid. It may have expired, been used or been cancelled. Ask an owner of the company for a new one.";

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
