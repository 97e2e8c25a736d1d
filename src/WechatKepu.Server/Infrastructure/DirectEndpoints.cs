namespace WechatKepu.Server.Infrastructure;

/// <summary>
/// Marks an endpoint that runs straight after routing, with only the exception handler around it: a
/// machine-to-machine push that authenticates itself by signature, writes its own ProblemDetails, records
/// its own metrics and answers on a budget, such as WeChat's callbacks. It skips the HTTP metrics, request
/// id, status code pages, authentication, rate limiting and authorization that the browser and
/// mini-program endpoints go through; its cost is measured in docs/benchmarks.md.
/// </summary>
public sealed class DirectEndpointMetadata
{
    public static readonly DirectEndpointMetadata Instance = new();

    private DirectEndpointMetadata()
    {
    }
}

public static class DirectEndpoints
{
    /// <summary>Runs the endpoints of this builder through <see cref="UseDirectEndpoints"/>.</summary>
    public static TBuilder RunsDirect<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(DirectEndpointMetadata.Instance);

    /// <summary>
    /// First in the pipeline: a request routed to a direct endpoint is executed in its own branch (the
    /// exception handler, then the endpoint) and goes no further. WebApplication routes before any of our
    /// middleware, so telling the two apart is one metadata lookup.
    /// </summary>
    public static IApplicationBuilder UseDirectEndpoints(this IApplicationBuilder app) =>
        app.MapWhen(
            context => context.GetEndpoint()?.Metadata.GetMetadata<DirectEndpointMetadata>() is not null,
            direct =>
            {
                direct.UseExceptionHandler();
                direct.Run(context => context.GetEndpoint()!.RequestDelegate!(context));
            });
}
