using Microsoft.Extensions.Caching.Memory;

namespace FieldCamp.Web.Auth;

/// <summary>The answer to "may this client try a password for this e-mail now?".</summary>
/// <param name="RetryAfter">Zero when allowed; otherwise how long until the next attempt is heard.</param>
/// <param name="FirstRefusalOfWindow">True once per throttle window, so the audit trail records it once, not per attempt.</param>
internal readonly record struct SignInPermission(TimeSpan RetryAfter, bool FirstRefusalOfWindow)
{
    public bool Allowed => RetryAfter <= TimeSpan.Zero;
}

/// <summary>
/// Throttles password guessing without letting a stranger lock anyone out. Identity's own lock-out (five failures
/// lock the account for everyone) would let anyone who knows an owner's e-mail keep them out for ever; here the
/// back-off falls on the clients that fail, not on the account:
/// <list type="bullet">
/// <item>An account that has failed <see cref="FreeAccountFailures"/> times (from anywhere) makes every client that
/// has failed for it wait before its next try: 1 s after its first failure, doubling with each further one, at most
/// <see cref="MaxBackOff"/>. A client that has not failed for that account is not slowed, so the owner, on their own
/// address, signs in while a stranger guesses elsewhere.</item>
/// <item>A client that fails <see cref="ClientFailureLimit"/> times across all accounts is refused for
/// <see cref="ClientBlock"/> (spraying one password over many e-mails).</item>
/// </list>
/// Failures are forgotten after <see cref="Memory"/> without one. Unknown e-mails are counted exactly like known
/// ones, so the throttle tells nobody which e-mails exist. The state lives in a size-limited memory cache: a flood of
/// invented e-mails or addresses evicts the oldest entries instead of growing memory. It is per app instance.
/// </summary>
internal sealed class SignInThrottle(TimeProvider clock) : IDisposable
{
    public const int FreeAccountFailures = 5;
    public const int ClientFailureLimit = 20;
    public static readonly TimeSpan FirstBackOff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackOff = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan ClientBlock = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan Memory = TimeSpan.FromHours(1);

    /// <summary>Entries kept at most (each a few hundred bytes): about 30 MB under the worst flood.</summary>
    public const int Capacity = 100_000;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Capacity });
    private readonly Lock _gate = new();

    /// <summary>
    /// Checks whether <paramref name="client"/> may try a password for <paramref name="email"/> (normalized) and,
    /// when it may, counts the attempt as a failure at once, before the password is checked: parallel guesses sent
    /// together then meet the back-off of the first instead of all slipping through. <see cref="Succeeded"/> takes
    /// the failure back.
    /// </summary>
    public SignInPermission TryBegin(string email, string client)
    {
        var now = clock.GetUtcNow();
        var clientRecord = Get(ClientKey(client), CacheItemPriority.High);
        var pair = Get(PairKey(email, client), CacheItemPriority.Normal);
        var account = Get(AccountKey(email), CacheItemPriority.Normal);

        // One lock for the decision and the count: a check that passes and the failure it records are one step.
        lock (_gate)
        {
            var blockedUntil = Later(clientRecord.BlockedUntil, pair.BlockedUntil);
            if (blockedUntil > now)
            {
                bool first;
                if (blockedUntil == pair.BlockedUntil)
                {
                    first = !pair.RefusalReported;
                    pair.RefusalReported = true;
                }
                else
                {
                    // A client blocked as a whole is reported once per window for each account it tries, so guesses at
                    // invented e-mails cannot use up the one report and keep a real account's refusal out of its trail.
                    first = pair.ReportedClientBlock != clientRecord.BlockedUntil;
                    pair.ReportedClientBlock = clientRecord.BlockedUntil;
                }
                return new SignInPermission(blockedUntil - now, first);
            }

            Forget(clientRecord, now);
            Forget(pair, now);
            Forget(account, now);
            clientRecord.Count++;
            pair.Count++;
            account.Count++;
            clientRecord.LastFailure = pair.LastFailure = account.LastFailure = now;
            if (clientRecord.Count >= ClientFailureLimit) Block(clientRecord, now + ClientBlock);
            if (account.Count >= FreeAccountFailures) Block(pair, now + BackOff(pair.Count));
            return new SignInPermission(TimeSpan.Zero, false);
        }
    }

    /// <summary>
    /// The password was right: this client's failures for the account are forgiven and the attempt is not counted.
    /// The account's count stays (less this attempt), so a stranger's guesses keep their back-off.
    /// </summary>
    public void Succeeded(string email, string client)
    {
        lock (_gate)
        {
            if (_cache.Get(ClientKey(client)) is Record clientRecord) clientRecord.Count = Math.Max(0, clientRecord.Count - 1);
            if (_cache.Get(AccountKey(email)) is Record account) account.Count = Math.Max(0, account.Count - 1);
        }
        _cache.Remove(PairKey(email, client));
    }

    /// <summary>1 s, 2 s, 4 s … for a client's 1st, 2nd, 3rd … failure on an account, at most <see cref="MaxBackOff"/>.</summary>
    public static TimeSpan BackOff(int clientFailures)
    {
        var doublings = Math.Clamp(clientFailures - 1, 0, 30);
        var seconds = FirstBackOff.TotalSeconds * Math.Pow(2, doublings);
        return seconds >= MaxBackOff.TotalSeconds ? MaxBackOff : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Records held now (accounts, clients and pairs together).</summary>
    public int Entries => _cache.Count;

    public void Dispose() => _cache.Dispose();

    private Record Get(string key, CacheItemPriority priority)
    {
        if (_cache.TryGetValue(key, out Record? record)) return record!;
        lock (_gate)
        {
            if (_cache.TryGetValue(key, out record)) return record!;
            record = new Record();
            // When the cache is full, the entry is not kept and this attempt goes uncounted; the compaction that the
            // attempt triggers makes room for the next ones. Clients' records go last (High priority).
            _cache.Set(key, record, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = Memory, Priority = priority });
            return record;
        }
    }

    private static void Forget(Record record, DateTimeOffset now)
    {
        if (record.LastFailure + Memory > now) return;
        record.Count = 0;
        record.BlockedUntil = default;
    }

    private static void Block(Record record, DateTimeOffset until)
    {
        record.BlockedUntil = until;
        record.RefusalReported = false;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    // Prefixes keep the three kinds apart; "\n" cannot appear in an address, so no e-mail forges a pair key.
    private static string ClientKey(string client) => "c\n" + client;
    private static string AccountKey(string email) => "a\n" + email;
    private static string PairKey(string email, string client) => "p\n" + client + "\n" + email;

    private sealed class Record
    {
        public int Count;
        public DateTimeOffset LastFailure;
        public DateTimeOffset BlockedUntil;
        public bool RefusalReported;
        /// <summary>On a pair: the client-wide block its refusal was last reported for.</summary>
        public DateTimeOffset ReportedClientBlock;
    }
}
