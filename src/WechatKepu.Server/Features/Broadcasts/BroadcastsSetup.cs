using WechatKepu.Data.Broadcasts;
using WechatKepu.Server.Features.Delivery;

namespace WechatKepu.Server.Features.Broadcasts;

/// <summary>Staff broadcasts: the store, the reach report, the sending job and the console API under <c>/api/console/broadcasts</c>.</summary>
public static class BroadcastsSetup
{
    public static IServiceCollection AddBroadcasts(this IServiceCollection services)
    {
        services.AddOptions<BroadcastOptions>().BindConfiguration(BroadcastOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BroadcastStore>();
        services.AddSingleton<ArticleStore>();
        services.AddSingleton<BroadcastReach>();
        services.AddSingleton<BroadcastJob>();
        services.AddSingleton<ICampaignsEnded, BroadcastCampaignsEnded>();
        return services;
    }

    public static IEndpointRouteBuilder MapBroadcasts(this IEndpointRouteBuilder app)
    {
        app.MapBroadcastsApi();
        app.MapArticlesApi();
        return app;
    }
}

/// <summary>A template broadcast ends when the delivery engine ends its campaign: completed if it reached someone, else failed.</summary>
public sealed class BroadcastCampaignsEnded(BroadcastStore store, ILogger<BroadcastCampaignsEnded> logger) : ICampaignsEnded
{
    public async Task CampaignsEndedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ended = await store.FinishEndedCampaignsAsync(now, cancellationToken);
        if (ended > 0)
        {
            logger.LogInformation("{Count} template broadcasts ended with their delivery campaigns", ended);
        }
    }
}
