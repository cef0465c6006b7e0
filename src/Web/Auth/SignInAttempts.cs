using FieldCamp.Domain.Audit;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Auth;

internal enum SignInResultKind
{
    Succeeded,
    /// <summary>Wrong password, unknown e-mail, or no password set: one answer for all, so none of them is told apart.</summary>
    Failed,
    Throttled,
    /// <summary>The password was right but an owner or operator locked the account.</summary>
    LockedOut,
}

internal readonly record struct SignInOutcome(SignInResultKind Kind, TimeSpan RetryAfter = default)
{
    public const string FailedMessage = "Email or password is incorrect.";
    public const string LockedOutMessage = "This account is locked. Ask an owner of your company to unlock it.";

    /// <summary>What the sign-in page says; null when the person is in.</summary>
    public string? Message => Kind switch
    {
        SignInResultKind.Succeeded => null,
        SignInResultKind.Throttled => ThrottledMessage(RetryAfter),
        SignInResultKind.LockedOut => LockedOutMessage,
        _ => FailedMessage,
    };

    public static string ThrottledMessage(TimeSpan retryAfter) =>
        $"Too many attempts. Try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} seconds.";
}

/// <summary>
/// Signing people in and out of the dashboard: the throttle, the password check, the session and the audit trail.
/// <para>Audit: a sign-in event is company-wide (no branch), one per company the person belongs to, so each company's
/// owners see the sign-ins of their own people. A failure or a throttled attempt names the e-mail tried, with an
/// anonymous actor (nobody proved who they are). An e-mail that belongs to no one has no company to record it in:
/// those failures are only counted in a log line at most once a minute, without the e-mail (people type passwords into
/// the e-mail field), so a flood costs neither rows nor log lines.</para>
/// </summary>
internal sealed class SignInAttempts(
    UserManager<ApplicationUser> users,
    SignInManager<ApplicationUser> signIn,
    IPasswordHasher<ApplicationUser> hasher,
    SignInThrottle throttle,
    SignInDecoy decoy,
    IDbContextFactory<AppDbContext> dbFactory,
    TimeProvider clock,
    ILogger<SignInAttempts> logger)
{
    private const int MaxEmailLength = 256;

    public async Task<SignInOutcome> SignInAsync(HttpContext context, string email, string password)
    {
        email = email.Trim();
        if (email.Length > MaxEmailLength) email = email[..MaxEmailLength];
        var normalized = users.NormalizeEmail(email);
        var client = ClientAddress(context);

        var permission = throttle.TryBegin(normalized, client);
        if (!permission.Allowed)
        {
            // Refused before any lookup or hash, for known and unknown e-mails alike. Recorded once per window.
            if (permission.FirstRefusalOfWindow)
            {
                var throttledUser = await users.FindByEmailAsync(email);
                await RecordAsync(throttledUser, AuditEventType.SignInThrottled, Stranger(email, context),
                    $"Refused for {Math.Ceiling(permission.RetryAfter.TotalSeconds)} s after repeated failures.");
                if (throttledUser is null) UnknownEmails.Count(logger, clock, throttled: true);
            }
            return new SignInOutcome(SignInResultKind.Throttled, permission.RetryAfter);
        }

        var user = await users.FindByEmailAsync(email);
        bool passwordRight;
        if (user?.PasswordHash is null)
        {
            // The same work as for a real account (the same PBKDF2 at the same cost), so the answer's time does not
            // tell whether the e-mail has an account.
            hasher.VerifyHashedPassword(new ApplicationUser(), decoy.Hash, password);
            passwordRight = false;
        }
        else
        {
            passwordRight = await users.CheckPasswordAsync(user, password);
        }

        if (!passwordRight)
        {
            if (user is null) UnknownEmails.Count(logger, clock, throttled: false);
            else await RecordAsync(user, AuditEventType.SignInFailed, Stranger(email, context), null);
            return new SignInOutcome(SignInResultKind.Failed);
        }

        throttle.Succeeded(normalized, client);
        // A lock set by an owner or operator (Identity's LockoutEnd) still keeps the person out. Failed passwords never
        // set it: the throttle above replaces Identity's lock-out on failure.
        if (await users.IsLockedOutAsync(user!) || !await signIn.CanSignInAsync(user!))
            return new SignInOutcome(SignInResultKind.LockedOut);

        await signIn.SignInAsync(user!, isPersistent: false);
        await RecordAsync(user, AuditEventType.SignInSucceeded, Person(user!, context), null);
        return new SignInOutcome(SignInResultKind.Succeeded);
    }

    /// <summary>
    /// Ends the session on the server, not only in this browser: the new security stamp makes every cookie issued
    /// before it fail validation on its next request (the cookie's stamp is checked on every request, see Program.cs).
    /// This ends the person's other sessions too, which is what one expects of "sign out" on a shared computer, and needs
    /// no session table.
    /// </summary>
    public async Task SignOutAsync(HttpContext context)
    {
        var user = context.User.Identity?.IsAuthenticated == true ? await users.GetUserAsync(context.User) : null;
        if (user is not null)
        {
            await users.UpdateSecurityStampAsync(user);
            await RecordAsync(user, AuditEventType.SignedOut, Person(user, context), null);
        }
        await signIn.SignOutAsync();
    }

    private async Task RecordAsync(ApplicationUser? user, AuditEventType type, Actor actor, string? note)
    {
        if (user is null) return;
        await using var db = await dbFactory.CreateDbContextAsync();
        var companies = await db.Memberships.Where(m => m.UserId == user.Id).Select(m => m.CompanyId).Distinct().ToListAsync();
        if (companies.Count == 0) return;
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var companyId in companies)
            db.AuditEvents.Add(new AuditEvent(type, companyId, branchId: null, apiKeyId: null, subject: user.Email, actor, now, note: note));
        await db.SaveChangesAsync();
    }

    private static Actor Person(ApplicationUser user, HttpContext context) =>
        Actor.Person(user.Id, user.Email ?? "", ClientAddress(context), UserAgent(context));

    /// <summary>Someone who has not proved who they are, named by the e-mail they typed.</summary>
    private static Actor Stranger(string emailTried, HttpContext context) =>
        new(ActorType.System, "anonymous", emailTried, ClientAddress(context), UserAgent(context));

    private static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static string? UserAgent(HttpContext context) => ClientInfo.UserAgent(context);

    /// <summary>Failed sign-ins for e-mails without an account: counted, and logged as a sum at most once a minute.</summary>
    private static class UnknownEmails
    {
        private static readonly Lock Gate = new();
        private static long _failed, _throttled;
        private static DateTimeOffset _lastLogged;

        public static void Count(ILogger logger, TimeProvider clock, bool throttled)
        {
            long failed, throttledCount;
            lock (Gate)
            {
                if (throttled) _throttled++;
                else _failed++;
                var now = clock.GetUtcNow();
                if (now - _lastLogged < TimeSpan.FromMinutes(1)) return;
                (failed, throttledCount, _failed, _throttled, _lastLogged) = (_failed, _throttled, 0, 0, now);
            }
            logger.LogWarning("Sign-in attempts for e-mails without an account since the last report: {Failed} failed, {Throttled} throttled.",
                failed, throttledCount);
        }
    }
}

/// <summary>A password hash of nobody's, made at start with the app's hashing settings, for unknown e-mails to check.</summary>
internal sealed class SignInDecoy(IOptions<PasswordHasherOptions> options)
{
    private readonly Lazy<string> _hash = new(() =>
        new PasswordHasher<ApplicationUser>(options).HashPassword(new ApplicationUser(), Guid.NewGuid().ToString("N")));

    public string Hash => _hash.Value;
}
