using System.Text;
using FieldCamp.Web.Export;

namespace FieldCamp.Tests.Unit.Export;

public class CsvExportTests
{
    private static string Csv(params string?[] cells) => Encoding.UTF8.GetString(CsvExport.Write(["name"], cells.Select(c => (IReadOnlyList<string?>)[c])));

    [Theory]
    [InlineData("=cmd|' /C calc'!A0")]
    [InlineData("+1+1")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1)")]
    [InlineData("\tcmd")]
    [InlineData("\rcmd")]
    public void CellThatWouldRunAsFormula_IsReadAsText(string cell)
    {
        var file = Csv(cell);

        // The cell now starts with an apostrophe (inside quotes where RFC 4180 needs them).
        var dataLine = file["name\r\n".Length..];
        Assert.StartsWith("'" + cell, dataLine.TrimStart('"'));
    }

    [Fact]
    public void Commas_Quotes_AndLineBreaks_AreQuotedPerRfc4180()
    {
        Assert.Equal("name\r\n\"a, \"\"b\"\"\nc\"\r\n", Csv("a, \"b\"\nc"));
    }

    [Fact]
    public void NonAscii_IsUtf8_WithoutByteOrderMark()
    {
        var bytes = CsvExport.Write(["name"], [["café-sync"]]);

        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal("name\r\ncafé-sync\r\n", Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void PlainText_AndEmptyCells_AreLeftAsTheyAre()
    {
        Assert.Equal("name\r\nbooking-widget\r\n\r\n", Csv("booking-widget", null));
    }
}
