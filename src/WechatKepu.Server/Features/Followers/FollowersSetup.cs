using WechatKepu.Data.Followers;

namespace WechatKepu.Server.Features.Followers;

public static class FollowersSetup
{
    /// <summary>The follower records the callback keeps: last-message times (48 h window) and user/info profiles.</summary>
    public static IServiceCollection AddFollowers(this IServiceCollection services)
    {
        services.AddSingleton<FollowerStore>();
        services.AddSingleton<FollowerActivity>();
        services.AddHostedService(sp => sp.GetRequiredService<FollowerActivity>());
        services.AddTransient<FollowerProfileJob>();
        return services;
    }
}
