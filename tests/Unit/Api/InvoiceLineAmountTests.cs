using System.Net;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Quantities have at most three decimals, and a priced line must come to at least 0.01 once rounded to the cent: a
/// line that would be billed at 0.00 is refused, naming its quantity, rather than stored at nothing.
/// </summary>
public class InvoiceLineAmountTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<(HttpClient Client, string ClientId)> ClientAsync()
    {
        var key = await app.CreateKeyAsync("acme", "North", ["clients:write", "invoices:write"]);
        var client = app.CreateClient(key.Secret);
        var clientId = (await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Harbour Vets" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        return (client, clientId);
    }

    private static string Number() => "INV-" + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [InlineData(0.001, 1)]
    [InlineData(0.004, 1)]
    [InlineData(0.001, 4.99)]
    public async Task Line_AmountRoundsToNothing_400NamingTheQuantity(double quantity, double unitPrice)
    {
        var (client, clientId) = await ClientAsync();
        var lines = new object[] { new { description = "Labour", quantity = 1, unitPrice = 10 }, new { description = "Screws", quantity, unitPrice } };

        var problem = await client.PostAsync("/api/v1/invoices", Http.Json(new { clientId, number = Number(), lines }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        var message = Assert.Single(problem.GetProperty("errors").GetProperty("lines[1].quantity").Strings());
        Assert.Contains("at least 0.01", message);

        // The same rule on an update of a draft's lines.
        var invoiceId = (await client.PostAsync("/api/v1/invoices", Http.Json(new { clientId, number = Number() }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        var patched = await client.PatchAsync($"/api/v1/invoices/{invoiceId}", new { lines })
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(patched.GetProperty("errors").TryGetProperty("lines[1].quantity", out _), patched.ToString());
    }

    [Theory]
    [InlineData(0.005, 1, 0.01)]      // half a cent rounds up, away from zero
    [InlineData(0.001, 10, 0.01)]
    [InlineData(0.001, 0, 0)]         // a free line (a note, a goodwill item) at any quantity
    [InlineData(1.5, 33.33, 50)]      // 49.995
    public async Task Line_AmountOfAtLeastACentOrFree_Stored(double quantity, double unitPrice, double total)
    {
        var (client, clientId) = await ClientAsync();

        var invoice = await client.PostAsync("/api/v1/invoices", Http.Json(new
        {
            clientId, number = Number(), lines = new[] { new { description = "Work", quantity, unitPrice } },
        })).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal((decimal)total, invoice.GetProperty("total").GetDecimal());
    }

    [Fact]
    public async Task Line_QuantityWithFourDecimals_400()
    {
        var (client, clientId) = await ClientAsync();

        var problem = await client.PostAsync("/api/v1/invoices", Http.Json(new
        {
            clientId, number = Number(), lines = new[] { new { description = "Cable", quantity = 2.0005, unitPrice = 3 } },
        })).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.Contains("three decimals", Assert.Single(problem.GetProperty("errors").GetProperty("lines[0].quantity").Strings()));
    }
}
