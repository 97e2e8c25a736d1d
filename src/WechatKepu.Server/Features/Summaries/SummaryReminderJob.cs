using System.Globalization;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;
using WechatKepu.Data;
using WechatKepu.Data.Delivery;
using WechatKepu.Data.Summaries;
using WechatKepu.Server.Features.Delivery;
using WechatKepu.Server.Features.Reminders;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Summaries;

/// <summary>Who a reminder about a campaign goes to: the units without a summary for some activity, and their organisers.</summary>
public sealed record SummaryReminderPlan(SummaryCampaignRow Campaign, IReadOnlyList<string> Units, IReadOnlyList<SummaryOrganiserRow> Organisers);

/// <summary>
/// Reminds organisers whose unit has not filed: one delivery-engine campaign (kind <c>summary_reminder</c>, an
/// official-account template message to each organiser's own openid), created by a job, never in the request.
/// The source names the campaign and the request (or the day, for the recurring run), so a retried job
/// creates nothing twice.
/// </summary>
public sealed class SummaryReminderJob(
    SummaryStore store, DeliveryEngine engine, DeliveryJobs delivery, NpgsqlDataSource dataSource, IOptions<SummariesOptions> options,
    IOptions<RemindersOptions> reminders, IOptions<WechatOptions> wechat, TimeProvider clock, ILogger<SummaryReminderJob> logger)
{
    public const string RecurringJobId = "summary-reminders";

    /// <summary>The units that have not filed and their organisers, now; null for an unknown campaign.</summary>
    public async Task<SummaryReminderPlan?> PlanAsync(long campaignId, CancellationToken cancellationToken)
    {
        if (await store.GetCampaignAsync(campaignId, cancellationToken) is not { } campaign)
        {
            return null;
        }

        var rows = await store.ActivitiesAsync(campaignId, null, onlyInScope: false, activityId: null, cancellationToken);
        var units = rows.Where(r => r.SummaryId is null).SelectMany(r => r.Units).Distinct().ToList();
        return new SummaryReminderPlan(campaign, units, await store.OrganisersAsync(units, cancellationToken));
    }

    /// <summary>The template message for the campaign, or null when no template is configured.</summary>
    public CampaignContent? Content(SummaryCampaignRow campaign)
    {
        var appId = options.Value.OfficialAccountAppId ?? reminders.Value.OfficialAccountAppId ?? wechat.Value.OfficialAccounts.FirstOrDefault()?.AppId;
        if (string.IsNullOrEmpty(options.Value.ReminderTemplateId) || string.IsNullOrEmpty(appId))
        {
            return null;
        }

        var notice = new Notice($"{campaign.Name}活动总结", SummaryMapping.Utc(campaign.Deadline), "工作人员控制台·活动总结",
            "本单位尚有活动未报送总结，请在截止前填报", "待报送");
        return new CampaignContent(OaAppId: appId, OaTemplateId: options.Value.ReminderTemplateId,
            OaData: NoticeFields.Default(DeliveryChannels.OfficialAccountTemplate).Data(notice));
    }

    /// <summary>Sends the reminder to the organisers (with an openid) of the units that have not filed, at the time the job runs.</summary>
    [AutomaticRetry(Attempts = 3)]
    public async Task<int> RunAsync(long campaignId, string token, string requestedBy, CancellationToken cancellationToken)
    {
        if (await PlanAsync(campaignId, cancellationToken) is not { } plan || Content(plan.Campaign) is not { } content)
        {
            return 0;
        }

        var recipients = plan.Organisers.Where(o => o.HasOpenId).Select(o => o.Id).ToList();
        if (recipients.Count == 0)
        {
            return 0;
        }

        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var created = await engine.CreateCampaignAsync(conn, tx,
            new CampaignSpec(CampaignKinds.SummaryReminder, $"summary-reminder:{campaignId}:{token}", $"{plan.Campaign.Name}活动总结提醒", now, content,
                CreatedBy: requestedBy),
            new DeliveryAudience.StaffMembers(recipients), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        if (created is null)
        {
            return 0;
        }

        logger.LogInformation("Summary reminder {Campaign} for {Units} units: {Total} organisers", campaignId, plan.Units.Count, created.Total);
        delivery.Kick(created.CampaignId);
        return created.Total;
    }

    /// <summary>Each morning: reminds for every campaign whose deadline is within <c>RemindWithin</c>, once a day.</summary>
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task RemindDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var day = Shanghai.Today(clock).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        foreach (var campaign in await store.ListCampaignsAsync(cancellationToken))
        {
            var deadline = SummaryMapping.Utc(campaign.Deadline);
            if (deadline > now && deadline - now <= options.Value.RemindWithin)
            {
                await RunAsync(campaign.Id, $"day-{day}", "自动提醒", cancellationToken);
            }
        }
    }

    public static RecurringJobDefinition Recurring(SummariesOptions options) =>
        new(RecurringJobId, options.RemindCron, (manager, cron, jobOptions) =>
            manager.AddOrUpdate<SummaryReminderJob>(RecurringJobId, j => j.RemindDueAsync(CancellationToken.None), cron, jobOptions));
}
