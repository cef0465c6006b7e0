using System.Text.RegularExpressions;
using FieldCamp.Domain;
using FieldCamp.Domain.FieldWork;

namespace FieldCamp.Web.Api;

/// <summary>
/// Collects per-field errors of a create or update body. Each check returns the value to store (trimmed; blank
/// optional text becomes null) and records what is wrong under the field's API name.
/// </summary>
internal sealed partial class FieldCheck
{
    public Dictionary<string, string[]> Errors { get; } = [];
    public bool Failed => Errors.Count > 0;

    public void Add(string field, string message) => Errors.TryAdd(field, [message]);

    public string Required(string field, string? value, int max, string what)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length > max)
            Add(field, $"Give {what} of 1 to {max} characters.");
        else Visible(field, value, multiLine: false);
        return value?.Trim() ?? "";
    }

    /// <summary>Optional text; <paramref name="multiLine"/> for free text (notes, descriptions) that may keep line breaks and tabs.</summary>
    public string? Optional(string field, string? value, int max, string what, bool multiLine = false)
    {
        if (value is not null && value.Trim().Length > max) Add(field, $"{what} can be at most {max} characters.");
        else if (value is not null) Visible(field, value, multiLine);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>The domain's rule for text people read back (<see cref="PlainText"/>), applied to every text field.</summary>
    private void Visible(string field, string value, bool multiLine)
    {
        if (!PlainText.HasHiddenCharacters(value, multiLine)) return;
        Add(field, multiLine
            ? $"{field} can keep line breaks and tabs, but {PlainText.Refusal}"
            : $"{field} {PlainText.Refusal}");
    }

    public string? Email(string field, string? value)
    {
        var email = Optional(field, value, InputLimits.Email, "An e-mail address");
        if (email is not null && !EmailShape().IsMatch(email)) Add(field, "Give an e-mail address such as office@example.com.");
        return email;
    }

    public string? Phone(string field, string? value)
    {
        var phone = Optional(field, value, InputLimits.Phone, "A phone number");
        if (phone is not null && (!PhoneShape().IsMatch(phone) || phone.Count(char.IsAsciiDigit) < 5))
            Add(field, "Give a phone number of digits, with an optional leading + and spaces, dashes, dots or brackets.");
        return phone;
    }

    public long Money(string field, decimal? value)
    {
        if (value is { } amount && FieldCamp.Domain.FieldWork.Money.TryToCents(amount, out var cents)) return cents;
        Add(field, FieldCamp.Domain.FieldWork.Money.Describe());
        return 0;
    }

    /// <summary>One of <paramref name="allowed"/>, spelt exactly.</summary>
    public string Status(string field, string? value, IReadOnlyList<string> allowed)
    {
        if (value is null || !allowed.Contains(value)) Add(field, $"Use one of {string.Join(", ", allowed)}.");
        return value ?? "";
    }

    /// <summary>A calendar date (an invoice's due date) in the same years as every record's date-time (<see cref="Instants"/>).</summary>
    public DateOnly? Date(string field, DateOnly? value)
    {
        if (value is { } date && (date < Instants.EarliestDate || date > Instants.LatestDate)) Add(field, Instants.DateOutOfRange);
        return value;
    }

    /// <summary>A PATCH that sends null for a field that must always have a value.</summary>
    public void NotCleared(string field) => Add(field, $"{field} cannot be cleared; leave it out to keep it as it is.");

    /// <summary>Invoice lines: 1 to <see cref="InputLimits.InvoiceLines"/>, each with a description, quantity and unit price.</summary>
    public List<InvoiceLine> Lines(string field, IReadOnlyList<InvoiceLineRequest?>? lines)
    {
        var result = new List<InvoiceLine>();
        if (lines is null || lines.Count > InputLimits.InvoiceLines)
        {
            Add(field, $"Give from 0 to {InputLimits.InvoiceLines} lines.");
            return result;
        }
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var at = $"{field}[{i}]";
            if (line is null)
            {
                Add(at, "Give each line a description, quantity and unitPrice.");
                continue;
            }
            var description = Required($"{at}.description", line.Description, InputLimits.LineDescription, "a description");
            if (line.Quantity is not { } quantity || !InvoiceLine.IsValidQuantity(quantity))
                Add($"{at}.quantity", $"Give a quantity above 0 and at most {InvoiceLine.MaxQuantity:0}, with at most three decimals.");
            var price = Money($"{at}.unitPrice", line.UnitPrice);
            var added = new InvoiceLine(description, line.Quantity ?? 0, price);
            if (!Errors.ContainsKey($"{at}.quantity") && !Errors.ContainsKey($"{at}.unitPrice") && added.RoundsToNothing)
                Add($"{at}.quantity", "quantity × unitPrice comes to less than 0.01: a line with a price must come to at least 0.01. " +
                    "Raise the quantity, or bill a larger unit (hours, not seconds).");
            result.Add(added);
        }
        if (!Failed && InvoiceMath.TotalCents(result) is null)
            Add(field, $"The invoice total would pass {FieldCamp.Domain.FieldWork.Money.FromCents(FieldCamp.Domain.FieldWork.Money.MaxCents):0.00}.");
        return result;
    }

    // Deliberately loose: one @, no spaces, a dot in the domain. Whether the mailbox exists is not ours to judge.
    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s.]+$")]
    private static partial Regex EmailShape();

    [GeneratedRegex(@"^\+?[0-9][0-9 ()\-.]*$")]
    private static partial Regex PhoneShape();
}
