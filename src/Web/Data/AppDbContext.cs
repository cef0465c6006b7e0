using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Incidents;
using FieldCamp.Domain.Notices;
using FieldCamp.Domain.Oversight;
using FieldCamp.Domain.Rotation;
using FieldCamp.Domain.Tenancy;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace FieldCamp.Web.Data;

/// <summary>
/// The store's model, the same on every engine. Each engine has its own subclass below only so that EF Core keeps a
/// migration set per engine (Data/Migrations/Sqlite, Data/Migrations/Postgres): a set belongs to one context type.
/// </summary>
public abstract class AppDbContext(DbContextOptions<AppDbContext> options) : IdentityDbContext<ApplicationUser>(options)
{
    public DbSet<Company> Companies => Set<Company>();
    public DbSet<Branch> Branches => Set<Branch>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ApiKeyRequest> ApiKeyRequests => Set<ApiKeyRequest>();
    public DbSet<ScopeUseDay> ScopeUseDays => Set<ScopeUseDay>();
    public DbSet<Notice> Notices => Set<Notice>();
    public DbSet<KeyRotation> KeyRotations => Set<KeyRotation>();
    public DbSet<NoticeRead> NoticeReads => Set<NoticeRead>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<KeyPolicy> KeyPolicies => Set<KeyPolicy>();
    public DbSet<QuarterlyReview> QuarterlyReviews => Set<QuarterlyReview>();
    public DbSet<ReviewItem> ReviewItems => Set<ReviewItem>();
    public DbSet<Client> Clients => Set<Client>();
    public DbSet<Job> Jobs => Set<Job>();
    public DbSet<Visit> Visits => Set<Visit>();
    public DbSet<Invoice> Invoices => Set<Invoice>();
    public DbSet<Item> Items => Set<Item>();
    public DbSet<Idempotency.IdempotencyRecord> IdempotencyRecords => Set<Idempotency.IdempotencyRecord>();
    public DbSet<Webhooks.OutboxEvent> Outbox => Set<Webhooks.OutboxEvent>();
    public DbSet<Webhooks.WebhookEndpoint> WebhookEndpoints => Set<Webhooks.WebhookEndpoint>();
    public DbSet<Webhooks.WebhookDelivery> WebhookDeliveries => Set<Webhooks.WebhookDelivery>();
    public DbSet<Webhooks.WebhookAttempt> WebhookAttempts => Set<Webhooks.WebhookAttempt>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        // Text compares and sorts byte by byte on both engines, as SQLite's BINARY does: ids, names and cursors order
        // the same everywhere, and no locale of the PostgreSQL server changes which page a row falls on.
        if (Database.IsNpgsql()) configuration.Properties<string>().UseCollation("C");
        // Instants are stored as UTC to the microsecond (StorePrecision); SQLite hands them back unlabelled, so label
        // them again on the way in.
        configuration.Properties<DateTime>().HaveConversion<UtcConverter>();
        configuration.Properties<DateTime?>().HaveConversion<NullableUtcConverter>();
    }

    /// <summary>A key's concurrency token: bumped by every change, so a change based on a stale read fails.</summary>
    public const string VersionProperty = "Version";

    /// <summary>
    /// Saves the audit events that changed keys queued, in the same transaction as the change itself, and bumps the
    /// version of every changed key and incident (a concurrent change to the same one then fails with DbUpdateConcurrencyException).
    /// </summary>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        foreach (var entry in ChangeTracker.Entries().Where(e => e.State == EntityState.Modified && e.Entity is ApiKey or Incident or QuarterlyReview))
        {
            var version = entry.Property(VersionProperty);
            version.CurrentValue = (int)version.OriginalValue! + 1;
        }
        var events = ChangeTracker.Entries<ApiKey>().SelectMany(e => e.Entity.TakeAuditEvents())
            .Concat(ChangeTracker.Entries<Incident>().SelectMany(e => e.Entity.TakeAuditEvents()))
            .Concat(ChangeTracker.Entries<KeyRotation>().SelectMany(e => e.Entity.TakeAuditEvents()))
            .Concat(ChangeTracker.Entries<QuarterlyReview>().SelectMany(e => e.Entity.TakeAuditEvents()))
            .OrderBy(e => e.OccurredAt).ToList();
        AuditEvents.AddRange(events);
        // A revoked key is announced to the branch's webhooks from the same transaction: the event exists exactly when
        // the revocation committed, whichever path revoked it (dashboard, API, rotation, leak report, policy).
        foreach (var revoked in events.Where(e => e.Type == AuditEventType.ApiKeyRevoked && e.BranchId is not null))
        {
            var key = ChangeTracker.Entries<ApiKey>().Select(e => e.Entity).FirstOrDefault(k => k.Id == revoked.ApiKeyId);
            if (key is not null) Outbox.Add(Webhooks.WebhookEvents.KeyRevoked(key, revoked));
        }
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        throw new NotSupportedException("Use SaveChangesAsync, which records the audit trail.");

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => StorePrecision.Truncate(v.ToUniversalTime()), v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class NullableUtcConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v.HasValue ? StorePrecision.Truncate(v.Value.ToUniversalTime()) : v, v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);
}

/// <summary>The embedded store (the default): migrations in Data/Migrations/Sqlite.</summary>
public sealed class SqliteAppDbContext(DbContextOptions<AppDbContext> options) : AppDbContext(options);

/// <summary>PostgreSQL, for several instances: migrations in Data/Migrations/Postgres.</summary>
public sealed class PostgresAppDbContext(DbContextOptions<AppDbContext> options) : AppDbContext(options);
