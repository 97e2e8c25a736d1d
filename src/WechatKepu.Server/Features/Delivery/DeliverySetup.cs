using Microsoft.Extensions.Options;
using Npgsql;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Delivery;

public static class DeliverySetup
{
    /// <summary>The engine (<see cref="DeliveryEngine"/>), its queue, sender, dispatcher, jobs and the tick.</summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services)
    {
        services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new DeliveryEngine(sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<IOptions<WechatOptions>>().Value.MiniProgram.AppId is { Length: > 0 } mp ? mp : null));
        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<DeliverySender>();
        services.AddSingleton<DeliveryDispatcher>();
        services.AddSingleton<DeliveryReceipts>();
        services.AddTransient<DeliveryJobs>();
        services.AddSingleton<DeliveryPurge>();
        services.AddTransient<DeliveryPurgeJob>();
        services.AddSingleton(DeliveryPurgeJob.Definition);
        services.AddSingleton(sp => DeliveryJobs.Tick(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value));
        return services;
    }

    /// <summary><c>/api/console/campaigns</c>: what went out and what failed (see <see cref="CampaignsApi"/>).</summary>
    public static IEndpointRouteBuilder MapDelivery(this IEndpointRouteBuilder app) => app.MapCampaignsApi();
}
