using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace FieldCamp.Web.Api;

/// <summary>
/// Instants the API reads, in bodies and query strings alike: ISO 8601 date and time with its offset (<c>Z</c> or
/// <c>±hh:mm</c>). A time without one is refused rather than guessed: "09:00" means something else in every time zone.
/// </summary>
internal static partial class Instants
{
    public const string MissingOffset = "Include a time zone offset, e.g. 2026-12-05T09:00:00Z or 2026-12-05T09:00:00+01:00.";
    public const string NotAnInstant = "Give a date and time with a time zone offset, e.g. 2026-12-05T09:00:00Z or 2026-12-05T09:00:00+01:00.";
    public const string Description = "An ISO 8601 date and time with a time zone offset (`Z` or `±hh:mm`), such as `2026-12-05T09:00:00Z`.";

    // The span a field-service record can sensibly fall in: year 1 or 9999 is a typo or a client's default value, never
    // a visit. Wide enough for old records brought over from another system and for long contracts.
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    /// <summary>The first instant after the range: the range ends with 2100-12-31 (UTC).</summary>
    public static readonly DateTimeOffset After = new(2101, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateOnly EarliestDate = new(2000, 1, 1);
    public static readonly DateOnly LatestDate = new(2100, 12, 31);
    public const string RangeText = "from 2000-01-01T00:00:00Z to 2100-12-31T23:59:59Z";
    public const string OutOfRange = "Give a date and time " + RangeText + " (UTC).";
    public const string DateOutOfRange = "Give a date from 2000-01-01 to 2100-12-31.";
    /// <summary><see cref="Description"/> for a record's date-time (a job, a visit), which must fall in the range.</summary>
    public const string RecordDescription = Description + " From 2000-01-01T00:00:00Z to 2100-12-31T23:59:59Z (UTC).";

    public static bool InRange(DateTimeOffset instant) => instant >= Earliest && instant < After;

    /// <summary>
    /// An instant with its offset, to the microsecond the store keeps (a seventh fractional digit is dropped); a bare
    /// date, a local time or anything else is false.
    /// </summary>
    public static bool TryParse(string text, out DateTimeOffset instant)
    {
        instant = default;
        if (!WithOffset().IsMatch(text) || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            return false;
        instant = Data.StorePrecision.Truncate(parsed);
        return true;
    }

    /// <summary>
    /// A query string value: as <see cref="TryParse"/>, except that a space stands for '+', which is how an unencoded
    /// '+' arrives in a query string.
    /// </summary>
    public static bool TryParseQuery(string text, out DateTimeOffset instant) => TryParse(text.Replace(' ', '+'), out instant);

    /// <summary>What is wrong with <paramref name="text"/>, which <see cref="TryParse"/> refused.</summary>
    public static string Problem(string text) => WithoutOffset().IsMatch(text.Trim()) ? MissingOffset : NotAnInstant;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|z|[+-]\d{2}:\d{2})$")]
    private static partial Regex WithOffset();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$")]
    private static partial Regex WithoutOffset();
}

/// <summary>
/// Reads a body's <see cref="DateTimeOffset"/> strictly (see <see cref="Instants"/>); the serializer's own converter
/// takes "2026-12-05T09:00:00" as the server's local time. Put on every DateTimeOffset of a request body
/// (<c>[property: JsonConverter(typeof(InstantJsonConverter))]</c>); responses write DateTime in UTC and never need it.
/// </summary>
public class InstantJsonConverter : JsonConverterFactory
{
    /// <summary>Whether the instant must fall in <see cref="Instants.InRange"/>.</summary>
    protected virtual bool Bounded => false;

    public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(DateTimeOffset) || typeToConvert == typeof(DateTimeOffset?);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        typeToConvert == typeof(DateTimeOffset) ? new Value(Bounded) : new NullableValue(Bounded);

    private static DateTimeOffset Read(ref Utf8JsonReader reader, bool bounded)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonFieldException(Instants.NotAnInstant);
        var text = reader.GetString()!;
        if (!Instants.TryParse(text, out var instant)) throw new JsonFieldException(Instants.Problem(text));
        return !bounded || Instants.InRange(instant) ? instant : throw new JsonFieldException(Instants.OutOfRange);
    }

    private sealed class Value(bool bounded) : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            InstantJsonConverter.Read(ref reader, bounded);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    // Not called for a JSON null: the serializer gives null for it (a nullable value converter leaves HandleNull false).
    private sealed class NullableValue(bool bounded) : JsonConverter<DateTimeOffset?>
    {
        public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            InstantJsonConverter.Read(ref reader, bounded);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
        {
            if (value is { } instant) writer.WriteStringValue(instant);
            else writer.WriteNullValue();
        }
    }
}

/// <summary>
/// <see cref="InstantJsonConverter"/> for a record's date-time (a job's schedule, a visit's times): also refused, naming
/// the field, outside <see cref="Instants.RangeText"/>.
/// </summary>
public sealed class RecordInstantJsonConverter : InstantJsonConverter
{
    protected override bool Bounded => true;
}

/// <summary>
/// A body value our own converter refused, with the words to answer with: ApiExceptionHandler puts
/// <see cref="Plain"/> under the field's name (the serializer adds the path to the exception, not to these words).
/// </summary>
public sealed class JsonFieldException(string plain) : JsonException(plain)
{
    public string Plain { get; } = plain;
}
