using Microsoft.Extensions.DependencyInjection.Extensions;
using WechatKepu.Data.Callback;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Callback;

public static class CallbackSetup
{
    /// <summary>
    /// The official-account callback: accounts, replay guard, inbound log and its claim batcher, the dispatcher,
    /// the late-reply and purge jobs. What it answers comes from Replies; whom it records, from Followers.
    /// </summary>
    public static IServiceCollection AddCallback(this IServiceCollection services)
    {
        services.AddOptions<CallbackOptions>().BindConfiguration(CallbackOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CallbackAccounts>();
        services.AddSingleton<NonceCache>();
        services.AddSingleton<InboundStore>();
        services.AddSingleton<ReceiptStore>();
        services.AddSingleton<ClaimBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ClaimBatcher>());
        services.AddSingleton<CallbackDispatcher>();
        services.AddSingleton<CallbackProcessor>();
        services.TryAddSingleton<IReceiptHandler, NoReceiptHandler>();
        services.AddTransient<CallbackLateReplyJob>();
        services.AddTransient<InboundPurgeJob>();
        services.AddSingleton(InboundPurgeJob.Definition);
        return services;
    }

    /// <summary><c>/wechat/{appId}</c> (see <see cref="CallbackApi"/>).</summary>
    public static IEndpointRouteBuilder MapCallback(this IEndpointRouteBuilder app) => app.MapCallbackApi();
}
