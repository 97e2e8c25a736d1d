using WechatKepu.Data.Menu;

namespace WechatKepu.Server.Features.Menu;

public static class MenuSetup
{
    /// <summary>The official account's custom menu as staff last saved it.</summary>
    public static IServiceCollection AddMenu(this IServiceCollection services) => services.AddSingleton<MenuStore>();

    /// <summary><c>/api/console/menu</c> (see <see cref="MenuApi"/>).</summary>
    public static IEndpointRouteBuilder MapMenu(this IEndpointRouteBuilder app) => app.MapMenuApi();
}
