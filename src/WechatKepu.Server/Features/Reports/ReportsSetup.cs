using Microsoft.Extensions.FileProviders;
using WechatKepu.Data.Reports;
using WechatKepu.Server.Features.Staff;

namespace WechatKepu.Server.Features.Reports;

public static class ReportsSetup
{
    /// <summary>The console's browser libraries, installed by <c>npm ci</c> in <c>console-libs/</c> (not kept in the repository).</summary>
    public const string LibrariesFolder = "console-libs";

    /// <summary>The charts' store.</summary>
    public static IServiceCollection AddReports(this IServiceCollection services) => services.AddSingleton<ChartStore>();

    /// <summary>
    /// Serves ECharts from <c>console-libs/node_modules/echarts/dist</c> under <c>/console/lib/echarts/</c> (the console
    /// works on an intranet: no CDN). Without it (npm ci not run) the console still works and its 统计图表 page says
    /// the library is missing; a warning is logged at start.
    /// </summary>
    public static WebApplication UseConsoleLibraries(this WebApplication app)
    {
        var dist = Path.Combine(app.Environment.ContentRootPath, LibrariesFolder, "node_modules", "echarts", "dist");
        if (!Directory.Exists(dist))
        {
            app.Logger.LogWarning("The console's charting library is missing ({Path}): run `npm ci` in {Folder} (the console's charts stay empty until then)",
                dist, Path.Combine(app.Environment.ContentRootPath, LibrariesFolder));
            return app;
        }

        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(dist),
            RequestPath = "/console/lib/echarts",
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }

    /// <summary>The charts' figures under <c>/api/console/reports</c> (see <see cref="ChartsApi"/>).</summary>
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/console/reports").WithTags("Console").RequireAuthorization(StaffPolicies.Viewer)
            .MapGet("/charts", ChartsApi.ChartsAsync)
            .WithSummary("The console's charts: sign-ups per day, fill rate and attendance per activity, reminders by outcome, followers per day and per poster code");
        return app;
    }
}
