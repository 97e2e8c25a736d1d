using WechatKepu.Data.Posters;

namespace WechatKepu.Server.Features.Posters;

public static class PostersSetup
{
    /// <summary>Poster codes and the scans the callback counts.</summary>
    public static IServiceCollection AddPosters(this IServiceCollection services) =>
        services.AddSingleton<PosterStore>().AddSingleton<PosterScans>();

    /// <summary><c>/api/console/posters</c> (see <see cref="PostersApi"/>).</summary>
    public static IEndpointRouteBuilder MapPosters(this IEndpointRouteBuilder app) => app.MapPostersApi();
}
