using WechatKepu.Data.Templates;

namespace WechatKepu.Server.Features.Templates;

/// <summary>The template library: its store, the sync from WeChat and the console API.</summary>
public static class TemplatesSetup
{
    public static IServiceCollection AddTemplates(this IServiceCollection services) =>
        services.AddSingleton<TemplateStore>().AddSingleton<TemplateLibrary>();

    public static IEndpointRouteBuilder MapTemplates(this IEndpointRouteBuilder app) => app.MapTemplatesApi();
}
