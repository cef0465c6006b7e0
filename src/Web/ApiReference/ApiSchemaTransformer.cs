using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using FieldCamp.Web.Api;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FieldCamp.Web.ApiReference;

/// <summary>
/// Makes schemas say what the API checks, from attributes on the contracts and parameters:
/// <list type="bullet">
/// <item>a request body lists as <c>required</c> exactly its <c>[Required]</c> properties (its C# properties are all
/// nullable, so that a missing one is a field error of ours, and the generator would list every constructor parameter);</item>
/// <item><c>[Required]</c> and <c>[NotClearable]</c> properties (a PATCH field that cannot be cleared) do not take null;</item>
/// <item><c>[OneOf]</c> lists a string's values as <c>enum</c>; a body instant read by <see cref="InstantJsonConverter"/>
/// is a <c>date-time</c> string (the generator cannot see through a converter);</item>
/// <item>a query parameter read as text and parsed by the endpoint (for its own error messages) is documented as what it
/// takes: <c>[Range]</c> an integer with bounds and <c>[DefaultValue]</c>, <c>[DataType(DateTime)]</c> a date-time.</item>
/// </list>
/// </summary>
internal sealed class ApiSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is { } property)
        {
            if (Attributes(property) is { } attributes) Property(schema, property, attributes);
        }
        else if (context.ParameterDescription is { } parameter && parameter.Source == BindingSource.Query)
        {
            QueryParameter(schema, parameter);
        }
        else if (IsRequestBody(context.JsonTypeInfo.Type))
        {
            var required = context.JsonTypeInfo.Properties.Where(p => Attributes(p)?.IsDefined(typeof(RequiredAttribute), true) == true)
                .Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            schema.Required = required.Count > 0 ? required : null;
        }
        return Task.CompletedTask;
    }

    /// <summary>The API's own request bodies: CreateClientRequest, UpdateJobRequest, InvoiceLineRequest…</summary>
    private static bool IsRequestBody(Type type) =>
        type.Namespace == typeof(ApiProblems).Namespace && type.Name.EndsWith("Request", StringComparison.Ordinal);

    private static void Property(OpenApiSchema schema, JsonPropertyInfo property, ICustomAttributeProvider attributes)
    {
        if (attributes.GetCustomAttributes(typeof(JsonConverterAttribute), true).OfType<JsonConverterAttribute>()
            .Any(c => c.ConverterType is { } type && type.IsAssignableTo(typeof(InstantJsonConverter))))
        {
            schema.Type = Nullable.GetUnderlyingType(property.PropertyType) is null ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = "date-time";
            schema.Pattern = null;
        }
        if (attributes.IsDefined(typeof(RequiredAttribute), true) || attributes.IsDefined(typeof(NotClearableAttribute), true))
            schema.Type &= ~JsonSchemaType.Null;
        if (attributes.GetCustomAttributes(typeof(OneOfAttribute), true).OfType<OneOfAttribute>().FirstOrDefault() is { } oneOf)
        {
            var target = schema.Type?.HasFlag(JsonSchemaType.Array) == true && schema.Items is OpenApiSchema items ? items : schema;
            target.Enum = [.. oneOf.Values.Select(v => (JsonNode)JsonValue.Create(v))];
            // An enum without null refuses null, so the type says so too (null is the same as leaving the field out).
            target.Type &= ~JsonSchemaType.Null;
        }
        if (attributes.GetCustomAttributes(typeof(DescriptionAttribute), true).OfType<DescriptionAttribute>().FirstOrDefault() is { } description)
            schema.Description ??= description.Description;
    }

    private static void QueryParameter(OpenApiSchema schema, ApiParameterDescription parameter)
    {
        if ((parameter.ParameterDescriptor as IParameterInfoParameterDescriptor)?.ParameterInfo is not { } info) return;
        if (info.GetCustomAttribute<RangeAttribute>() is { Minimum: int minimum, Maximum: int maximum })
        {
            schema.Type = JsonSchemaType.Integer;
            schema.Format = "int32";
            schema.Minimum = minimum.ToString(CultureInfo.InvariantCulture);
            schema.Maximum = maximum.ToString(CultureInfo.InvariantCulture);
            schema.Pattern = null;
            // The default is declared as text, like the parameter itself, and is a number here.
            if (info.GetCustomAttribute<DefaultValueAttribute>()?.Value is string text
                && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var fallback))
                schema.Default = JsonValue.Create(fallback);
        }
        if (info.GetCustomAttribute<DataTypeAttribute>()?.DataType == DataType.DateTime)
        {
            schema.Type = JsonSchemaType.String;
            schema.Format = "date-time";
        }
    }

    /// <summary>
    /// Where a property's attributes are: its member, or for metadata generated at build time without one, the public
    /// property of the same name (camelCase on the wire, PascalCase in C#).
    /// </summary>
    private static ICustomAttributeProvider? Attributes(JsonPropertyInfo property) =>
        property.AttributeProvider
        ?? property.DeclaringType.GetProperty(property.Name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
}
