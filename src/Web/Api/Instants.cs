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

    /// <summary>An instant with its offset; a bare date, a local time or anything else is false.</summary>
    public static bool TryParse(string text, out DateTimeOffset instant)
    {
        instant = default;
        return WithOffset().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant);
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
public sealed class InstantJsonConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(DateTimeOffset) || typeToConvert == typeof(DateTimeOffset?);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        typeToConvert == typeof(DateTimeOffset) ? new Value() : new NullableValue();

    private static DateTimeOffset Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonFieldException(Instants.NotAnInstant);
        var text = reader.GetString()!;
        return Instants.TryParse(text, out var instant) ? instant : throw new JsonFieldException(Instants.Problem(text));
    }

    private sealed class Value : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            InstantJsonConverter.Read(ref reader);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    // Not called for a JSON null: the serializer gives null for it (a nullable value converter leaves HandleNull false).
    private sealed class NullableValue : JsonConverter<DateTimeOffset?>
    {
        public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            InstantJsonConverter.Read(ref reader);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
        {
            if (value is { } instant) writer.WriteStringValue(instant);
            else writer.WriteNullValue();
        }
    }
}

/// <summary>
/// A body value our own converter refused, with the words to answer with: ApiExceptionHandler puts
/// <see cref="Plain"/> under the field's name (the serializer adds the path to the exception, not to these words).
/// </summary>
public sealed class JsonFieldException(string plain) : JsonException(plain)
{
    public string Plain { get; } = plain;
}
