using Hangfire;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Privacy;

public static class PrivacySetup
{
    /// <summary>The retention options and the nightly purge of old sign-up details and expired logins.</summary>
    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.AddOptions<PrivacyOptions>().BindConfiguration(PrivacyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RetentionStore>();
        services.AddTransient<PurgeSignupDetailsJob>();
        // 03:30 Asia/Shanghai, when nobody signs up.
        services.AddSingleton(new RecurringJobDefinition(PurgeSignupDetailsJob.Id, "30 3 * * *",
            (manager, cron, options) => manager.AddOrUpdate<PurgeSignupDetailsJob>(PurgeSignupDetailsJob.Id, j => j.RunAsync(CancellationToken.None), cron, options)));
        return services;
    }
}
