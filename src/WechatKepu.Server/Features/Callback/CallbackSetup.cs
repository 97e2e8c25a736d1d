using Microsoft.Extensions.DependencyInjection.Extensions;
using WechatKepu.Data.Callback;
using WechatKepu.Data.Followers;
using WechatKepu.Server.Features.Followers;
using WechatKepu.Server.Features.Replies;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Callback;

public static class CallbackSetup
{
    /// <summary>The official-account callback, its auto-replies and the follower records it keeps.</summary>
    public static IServiceCollection AddCallback(this IServiceCollection services)
    {
        services.AddOptions<CallbackOptions>().BindConfiguration(CallbackOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<CallbackAccounts>();
        services.AddSingleton<NonceCache>();
        services.AddSingleton<InboundStore>();
        services.AddSingleton<ReceiptStore>();
        services.AddSingleton<ReplyRuleStore>();
        services.AddSingleton<FollowerStore>();
        services.AddSingleton<ClaimBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<ClaimBatcher>());
        services.AddSingleton<FollowerActivity>();
        services.AddHostedService(sp => sp.GetRequiredService<FollowerActivity>());
        services.AddSingleton<ReplyEngine>();
        services.AddNotificationSubscriber<ReplyEngine>();
        services.AddSingleton<CallbackDispatcher>();
        services.AddSingleton<CallbackProcessor>();
        services.TryAddSingleton<IReceiptHandler, NoReceiptHandler>();
        services.AddSingleton<ICallbackCommand, MyTopicsCommand>();
        services.AddSingleton<MiniProgramLinks>();
        services.AddSingleton<ICallbackCommand, UpcomingSessionsCommand>();
        services.AddSingleton<ICallbackCommand, CampaignCommand>();
        services.AddSingleton<ICallbackCommand, HowToSignUpCommand>();
        services.AddSingleton<ICallbackCommand, HelpCommand>();
        services.AddSingleton<ICallbackCommand, SubscribeTopicCommand>();
        services.AddSingleton<ICallbackCommand, UnsubscribeTopicCommand>();
        services.AddTransient<CallbackLateReplyJob>();
        services.AddTransient<InboundPurgeJob>();
        services.AddTransient<FollowerProfileJob>();
        services.AddSingleton(InboundPurgeJob.Definition);
        RepliesApi.Register(Mapster.TypeAdapterConfig.GlobalSettings);
        return services;
    }
}
