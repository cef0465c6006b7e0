namespace FieldCamp.Domain.FieldWork;

/// <summary>
/// A visit moves forward through scheduled → en_route → arrived → completed (a step may be skipped, say when a
/// technician forgot to tap "en route"), or to cancelled from any state that is not final. Completed and cancelled
/// are final; nothing moves backwards.
/// </summary>
public static class VisitStatus
{
    public const string Scheduled = "scheduled";
    public const string EnRoute = "en_route";
    public const string Arrived = "arrived";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Scheduled, EnRoute, Arrived, Completed, Cancelled];
    private static readonly IReadOnlyList<string> Forward = [Scheduled, EnRoute, Arrived, Completed];

    public static bool IsFinal(string status) => status is Completed or Cancelled;

    /// <summary>Null when <paramref name="from"/> may become <paramref name="to"/>; otherwise why not. Staying put is allowed.</summary>
    public static string? WhyNot(string from, string to)
    {
        if (from == to) return null;
        if (IsFinal(from)) return $"The visit is {from}; a {from} visit does not change status.";
        if (to == Cancelled) return null;
        return Forward.IndexOf(to) > Forward.IndexOf(from) ? null : $"A visit moves forward only; it cannot go from {from} back to {to}.";
    }

    private static int IndexOf(this IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return -1;
    }
}

/// <summary>
/// An invoice is a draft (editable, deletable) until sent; a sent invoice is paid or voided, and a paid one can still be
/// voided (a refund). Void is final. Only drafts can be deleted: once sent, an invoice stays on record.
/// </summary>
public static class InvoiceStatus
{
    public const string Draft = "draft";
    public const string Sent = "sent";
    public const string Paid = "paid";
    public const string Void = "void";

    public static readonly IReadOnlyList<string> All = [Draft, Sent, Paid, Void];

    public static string? WhyNot(string from, string to) => (from, to) switch
    {
        _ when from == to => null,
        (Draft, Sent) or (Sent, Paid) or (Sent, Void) or (Paid, Void) => null,
        (Draft, Void) => "A draft is not voided: delete it instead.",
        (Void, _) => "The invoice is void; a void invoice does not change status.",
        _ => $"An invoice cannot go from {from} to {to}; it moves draft → sent → paid, and sent or paid → void.",
    };

    /// <summary>Lines, client and number are the invoice as sent: they change only while it is a draft.</summary>
    public static bool IsEditable(string status) => status == Draft;
}

/// <summary>
/// A job is scheduled, in progress, completed or cancelled. Completed and cancelled are final; any other change is
/// allowed (a job can go back to scheduled when a visit is rebooked). A finished job is a record of work done (or
/// called off) for a client at a time: its client and schedule stay as they were, like a sent invoice's client and
/// lines; its title and description can still be corrected, like a finished visit's notes.
/// </summary>
public static class JobStatus
{
    public const string Scheduled = "scheduled";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";

    public static readonly IReadOnlyList<string> All = [Scheduled, InProgress, Completed, Cancelled];

    public static bool IsFinal(string status) => status is Completed or Cancelled;

    public static string? WhyNot(string from, string to) =>
        from == to || !IsFinal(from) ? null : $"The job is {from}; a {from} job does not change status.";

    /// <summary>Whether a job in <paramref name="status"/> may be moved to another client or rescheduled.</summary>
    public static bool KeepsClientAndSchedule(string status) => IsFinal(status);
}
