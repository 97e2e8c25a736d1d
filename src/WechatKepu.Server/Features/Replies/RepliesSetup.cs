using Mapster;
using WechatKepu.Data.Callback;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Replies;

public static class RepliesSetup
{
    /// <summary>
    /// What the official account answers: staff's keyword rules (<see cref="ReplyEngine"/>) and the built-in
    /// commands (menu keys, 订阅/退订), in the order the dispatcher tries them.
    /// </summary>
    public static IServiceCollection AddReplies(this IServiceCollection services)
    {
        services.AddSingleton<ReplyRuleStore>();
        services.AddSingleton<ReplyEngine>();
        services.AddNotificationSubscriber<ReplyEngine>();
        services.AddSingleton<MiniProgramLinks>();
        services.AddSingleton<ICallbackCommand, MyTopicsCommand>();
        services.AddSingleton<ICallbackCommand, UpcomingSessionsCommand>();
        services.AddSingleton<ICallbackCommand, CampaignCommand>();
        services.AddSingleton<ICallbackCommand, HowToSignUpCommand>();
        services.AddSingleton<ICallbackCommand, HelpCommand>();
        services.AddSingleton<ICallbackCommand, SubscribeTopicCommand>();
        services.AddSingleton<ICallbackCommand, UnsubscribeTopicCommand>();
        RepliesApi.Register(TypeAdapterConfig.GlobalSettings);
        return services;
    }

    /// <summary><c>/api/console/replies</c> (see <see cref="RepliesApi"/>).</summary>
    public static IEndpointRouteBuilder MapReplies(this IEndpointRouteBuilder app) => app.MapRepliesApi();
}
