using Microsoft.Extensions.Options;
using WechatKepu.Data.Summaries;

namespace WechatKepu.Server.Features.Summaries;

public static class SummariesSetup
{
    /// <summary>The store, the reminder job and its morning run.</summary>
    public static IServiceCollection AddSummaries(this IServiceCollection services)
    {
        services.AddOptions<SummariesOptions>().BindConfiguration(SummariesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SummaryStore>();
        services.AddTransient<SummaryReminderJob>();
        services.AddSingleton(sp => SummaryReminderJob.Recurring(sp.GetRequiredService<IOptions<SummariesOptions>>().Value));
        return services;
    }

    public static IEndpointRouteBuilder MapSummaries(this IEndpointRouteBuilder app) => app.MapSummariesApi();
}
