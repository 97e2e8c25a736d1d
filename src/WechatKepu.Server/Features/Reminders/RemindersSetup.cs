using Microsoft.Extensions.Options;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Wechat;

namespace WechatKepu.Server.Features.Reminders;

public static class RemindersSetup
{
    public static IServiceCollection AddReminders(this IServiceCollection services)
    {
        services.AddOptions<RemindersOptions>().BindConfiguration(RemindersOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ReminderStore>();
        services.AddSingleton<TopicStore>();
        services.AddSingleton<NoticeTemplateStore>();
        services.AddSingleton<ReminderPlanner>();
        services.AddHostedService<HealthTopicSeeder>();
        return services;
    }

    /// <summary><c>/api/console/topics</c> and <c>/api/console/templates</c>.</summary>
    public static IEndpointRouteBuilder MapReminders(this IEndpointRouteBuilder app)
    {
        app.MapTopicsApi();
        app.MapNoticeTemplatesApi();
        return app;
    }

    /// <summary>
    /// The plan's 全市居民健康素养线上知识问答 (5.3.3) runs four rounds on 健康柳州: its topic exists from the
    /// start so followers can subscribe; staff add the round dates and the template.
    /// </summary>
    private sealed class HealthTopicSeeder(
        TopicStore topics, IOptions<RemindersOptions> reminders, IOptions<WechatOptions> wechat, TimeProvider clock, ILogger<HealthTopicSeeder> logger)
        : IHostedService
    {
        public const string TopicName = "健康知识问答";

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var accounts = wechat.Value.OfficialAccounts;
            if (!reminders.Value.SeedHealthTopic || accounts.Count == 0)
            {
                return;
            }

            var appId = reminders.Value.HealthTopicAppId
                ?? accounts.FirstOrDefault(a => a.Name.Contains("健康柳州", StringComparison.Ordinal))?.AppId
                ?? accounts[0].AppId;
            try
            {
                if (await topics.SeedAsync(appId, TopicName, "全市居民健康素养线上知识问答：每期开始前提醒您参与答题", "5.3.3", clock.GetUtcNow(), cancellationToken))
                {
                    logger.LogInformation("Seeded reminder topic {Topic} for {AppId}", TopicName, appId);
                }
            }
            catch (Npgsql.PostgresException e)
            {
                // A schema that is behind (production without --migrate) must not stop the server from starting.
                logger.LogError(e, "Could not seed reminder topic {Topic}", TopicName);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
