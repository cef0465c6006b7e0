using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace FieldCamp.Web.Export;

/// <summary>
/// Spreadsheet downloads (the quarterly review, the audit log): RFC 4180, UTF-8, CRLF line ends. Key names, notes and
/// e-mails are user input, so a cell a spreadsheet would run as a formula (starting with <c>=</c>, <c>+</c>, <c>-</c>,
/// <c>@</c>, a tab or a carriage return) is written with a leading apostrophe and read as text.
/// </summary>
internal static class CsvExport
{
    public const string ContentType = "text/csv; charset=utf-8";

    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture)
    {
        NewLine = "\r\n",
        InjectionOptions = InjectionOptions.Escape,
    };

    public static byte[] Write(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string?>> rows)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, Configuration))
        {
            foreach (var name in header) csv.WriteField(name);
            csv.NextRecord();
            foreach (var row in rows)
            {
                foreach (var cell in row) csv.WriteField(cell ?? "");
                csv.NextRecord();
            }
        }
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
    }

    /// <summary>
    /// Writes rows as they come (the audit log's export can be long): only the current row is held, and the stream is
    /// flushed every few hundred rows so the download starts at once.
    /// </summary>
    public static async Task WriteAsync(Stream output, IReadOnlyList<string> header, IAsyncEnumerable<IReadOnlyList<string?>> rows,
        CancellationToken cancellationToken = default)
    {
        await using var text = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true);
        await using var csv = new CsvWriter(text, Configuration);
        foreach (var name in header) csv.WriteField(name);
        await csv.NextRecordAsync();
        var count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            foreach (var cell in row) csv.WriteField(cell ?? "");
            await csv.NextRecordAsync();
            if (++count % 500 == 0) await csv.FlushAsync();
        }
        await csv.FlushAsync();
    }
}
