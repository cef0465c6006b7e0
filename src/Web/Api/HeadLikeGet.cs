namespace FieldCamp.Web.Api;

internal static class HeadLikeGet
{
    /// <summary>
    /// Every GET endpoint under this builder answers HEAD as well: the same status and headers, and the server drops
    /// the body. Routing matches HEAD only where it is listed, so without this a HEAD is a 404.
    /// </summary>
    public static TBuilder AnswerHeadLikeGet<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            // The last HTTP method metadata is the one routing reads.
            var methods = endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault();
            if (methods is null || !methods.HttpMethods.Contains(HttpMethods.Get) || methods.HttpMethods.Contains(HttpMethods.Head)) return;
            endpoint.Metadata.Add(new HttpMethodMetadata([.. methods.HttpMethods, HttpMethods.Head], methods.AcceptCorsPreflight));
        });
        return builder;
    }
}
