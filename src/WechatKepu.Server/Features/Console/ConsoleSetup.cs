using Mapster;
using WechatKepu.Data.Console;

namespace WechatKepu.Server.Features.Console;

public static class ConsoleSetup
{
    /// <summary>The console's stores (activities, sessions, sign-ups), the .xlsx export and its Mapster maps.</summary>
    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.AddSingleton<ConsoleStore>();
        services.AddSingleton<ActivityEditStore>();
        services.AddSingleton<SessionExport>();
        services.AddActivitySearch();
        ConsoleMapping.Register(TypeAdapterConfig.GlobalSettings);
        return services;
    }

    /// <summary>
    /// The console page's static files under <c>/console/</c> (wwwroot/console). The page itself holds no data:
    /// every figure on it comes from the API behind the staff cookie.
    /// </summary>
    public static WebApplication UseConsolePage(this WebApplication app)
    {
        app.Use((http, next) =>
        {
            if (http.Request.Path.Value == "/console")
            {
                http.Response.Redirect("/console/");
                return Task.CompletedTask;
            }

            return next(http);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }

    /// <summary>The console's API under <c>/api/console</c> (see <see cref="ConsoleApi"/>).</summary>
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app) => app.MapConsoleApi();
}
