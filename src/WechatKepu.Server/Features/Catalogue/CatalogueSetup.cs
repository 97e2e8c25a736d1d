using Mapster;
using WechatKepu.Data.Catalogue;

namespace WechatKepu.Server.Features.Catalogue;

public static class CatalogueSetup
{
    /// <summary>The public catalogue's store and its Mapster maps.</summary>
    public static IServiceCollection AddCatalogue(this IServiceCollection services)
    {
        services.AddSingleton<ActivityStore>();
        CatalogueMapping.Register(TypeAdapterConfig.GlobalSettings);
        return services;
    }

    /// <summary><c>/api/activities</c> (see <see cref="CatalogueApi"/>).</summary>
    public static IEndpointRouteBuilder MapCatalogue(this IEndpointRouteBuilder app) => app.MapCatalogueApi();
}
