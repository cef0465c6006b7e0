using System.Text.Json.Serialization.Metadata;
using FieldCamp.Web.Api;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// The API's JSON options keep the generated serializer in use: System.Text.Json falls back to its slower generic
/// path for every response as soon as one resolver in the chain was generated for other options, or a converter is
/// added to the options (a converter for one property belongs on that property).
/// </summary>
public class ApiJsonOptionsTests
{
    [Fact]
    public void Chain_IsTheApiContextThenReflection_AndNoConverterIsAdded()
    {
        using var app = new AppFactory();
        var json = app.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

        Assert.Collection(json.TypeInfoResolverChain,
            first => Assert.Same(ApiJsonContext.Default, first),
            second => Assert.IsType<DefaultJsonTypeInfoResolver>(second));
        Assert.Empty(json.Converters);
    }
}
