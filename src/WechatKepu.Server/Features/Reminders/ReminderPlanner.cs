using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;
using WechatKepu.Data;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Delivery;
using WechatKepu.Server.Features.Wechat;

namespace WechatKepu.Server.Features.Reminders;

/// <summary>
/// Turns what is due into campaigns: session reminders at their offsets, waitlist-promotion and
/// session-cancellation notices from <c>signup_events</c>, and topic rounds. It first cancels whatever
/// a moved or cancelled session, round or sign-up made obsolete. Idempotent: each campaign's source is
/// unique, and events are marked notified in the transaction that queues their notice.
/// </summary>
public sealed class ReminderPlanner(
    NpgsqlDataSource dataSource,
    ReminderStore store,
    DeliveryEngine engine,
    IOptions<RemindersOptions> reminders,
    IOptions<WechatOptions> wechat,
    IOptions<DeliveryOptions> delivery,
    TimeProvider clock,
    ILogger<ReminderPlanner> logger)
{
    public const string ReminderPurpose = "session_reminder";
    public const string PromotedPurpose = "waitlist_promoted";
    public const string CancelledPurpose = "session_cancelled";

    /// <summary>Plans everything due at the clock's now; returns the campaigns created.</summary>
    public async Task<int> PlanDueAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var (staleCampaigns, staleRows) = await store.ReconcileAsync(now, cancellationToken);
        if (staleCampaigns + staleRows > 0)
        {
            logger.LogInformation("Cancelled {Campaigns} obsolete campaigns and {Rows} reminders of cancelled sign-ups", staleCampaigns, staleRows);
        }

        var created = 0;
        foreach (var due in await store.DueSessionRemindersAsync(reminders.Value.OffsetMinutes(), now, cancellationToken))
        {
            var startsAt = new DateTimeOffset(due.StartsAt, TimeSpan.Zero);
            var hint = due.Minutes >= 120 && due.Minutes % 60 == 0 ? $"距开始还有{due.Minutes / 60}小时，请准时参加" : $"距开始还有{due.Minutes}分钟，请准时参加";
            created += await CreateAsync(new CampaignSpec(CampaignKinds.SessionReminder,
                ReminderStore.SessionReminderSource(due.SessionId, due.Minutes, startsAt), $"活动提醒：{Name(due.ActivityTitle, due.Title)}", now,
                ParentContent(ReminderPurpose, reminders.Value.OfficialAccountTemplates.SessionReminder, Name(due.ActivityTitle, due.Title), startsAt, due.Venue, hint,
                    "您报名的科普活动即将开始"),
                SessionId: due.SessionId, RefStartsAt: startsAt), new DeliveryAudience.SessionParents(due.SessionId), cancellationToken) ? 1 : 0;
        }

        created += await PlanNoticesAsync(now, cancellationToken);

        // A round's audience is whoever is subscribed when it is sent: in quiet hours it is planned in the morning.
        if (!delivery.Value.QuietHours.Contains(now))
        {
            foreach (var round in await store.DueTopicRoundsAsync(now, cancellationToken))
            {
                var startsAt = new DateTimeOffset(round.StartsAt, TimeSpan.Zero);
                var data = new Dictionary<string, string>
                {
                    ["first"] = $"您订阅的「{round.TopicName}」即将开始",
                    ["keyword1"] = round.RoundTitle,
                    ["keyword2"] = Time(startsAt),
                    ["remark"] = round.Description.Length > 0 ? round.Description : "回复“退订 " + round.TopicName + "”可取消提醒",
                };
                created += await CreateAsync(new CampaignSpec(CampaignKinds.TopicRound, ReminderStore.TopicRoundSource(round.RoundId, startsAt),
                    $"{round.TopicName}：{round.RoundTitle}", now,
                    new CampaignContent(OaAppId: round.AppId, OaTemplateId: round.TemplateId, OaData: data, OaUrl: round.Url),
                    TopicRoundId: round.RoundId, RefStartsAt: startsAt), new DeliveryAudience.TopicSubscribers(round.TopicId), cancellationToken) ? 1 : 0;
            }
        }

        return created;
    }

    private async Task<int> PlanNoticesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var events = await ReminderStore.LockPendingNoticesAsync(conn, tx, 5000, cancellationToken);
        var created = 0;
        foreach (var group in events.GroupBy(e => (e.Kind, e.SessionId)))
        {
            var first = group.First();
            var startsAt = new DateTimeOffset(first.StartsAt, TimeSpan.Zero);
            var name = Name(first.ActivityTitle, first.Title);
            var cancelled = group.Key.Kind == "session_cancelled";
            var content = cancelled
                ? ParentContent(CancelledPurpose, reminders.Value.OfficialAccountTemplates.SessionCancelled, name, startsAt, "活动已取消",
                    "给您带来不便，敬请谅解", "您报名的科普活动已取消")
                : ParentContent(PromotedPurpose, reminders.Value.OfficialAccountTemplates.WaitlistPromoted, name, startsAt, first.Venue,
                    "候补成功，已为您保留名额", "您候补的科普活动已有名额");
            var spec = new CampaignSpec(cancelled ? CampaignKinds.SessionCancelled : CampaignKinds.WaitlistPromoted,
                ReminderStore.NoticeSource(group.Key.Kind, group.Key.SessionId, first.Id),
                (cancelled ? "活动取消：" : "候补成功：") + name, now, content, Urgent: cancelled, SessionId: group.Key.SessionId);
            if (HasTemplate(content))
            {
                created += await engine.CreateCampaignAsync(conn, tx, spec,
                    new DeliveryAudience.SignupParents(group.Select(e => e.SignupId).ToArray()), now, cancellationToken) is null ? 0 : 1;
            }
        }

        if (events.Count > 0)
        {
            await ReminderStore.MarkNotifiedAsync(conn, tx, events.Select(e => e.Id).ToArray(), now, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return created;
    }

    private async Task<bool> CreateAsync(CampaignSpec spec, DeliveryAudience audience, CancellationToken cancellationToken)
    {
        if (!HasTemplate(spec.Content))
        {
            logger.LogWarning("No template configured for {Kind}; {Source} is not sent", spec.Kind, spec.Source);
            return false;
        }

        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var created = await engine.CreateCampaignAsync(conn, tx, spec, audience, clock.GetUtcNow(), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return created is not null;
    }

    private static bool HasTemplate(CampaignContent content) =>
        content.MpTemplateId is not null || (content.OaTemplateId is not null && content.OaAppId is not null);

    /// <summary>A parent message in both channels: the mini-program template for the purpose, and the official account's.</summary>
    private CampaignContent ParentContent(string purpose, string? oaTemplateId, string name, DateTimeOffset startsAt, string place, string hint, string first)
    {
        var mpTemplate = wechat.Value.MiniProgram.Templates.FirstOrDefault(t => t.Purpose == purpose)?.Id;
        var oaAppId = reminders.Value.OfficialAccountAppId ?? wechat.Value.OfficialAccounts.FirstOrDefault()?.AppId;
        return new CampaignContent(
            MpTemplateId: string.IsNullOrEmpty(mpTemplate) ? null : mpTemplate,
            MpData: new Dictionary<string, string>
            {
                // Subscribe-message "thing" values are limited to 20 characters.
                ["thing1"] = Cut(name, 20),
                ["time2"] = Time(startsAt),
                ["thing3"] = Cut(place, 20),
                ["thing4"] = Cut(hint, 20),
            },
            MpPage: reminders.Value.MiniProgramPage,
            OaAppId: string.IsNullOrEmpty(oaTemplateId) ? null : oaAppId,
            OaTemplateId: string.IsNullOrEmpty(oaTemplateId) || oaAppId is null ? null : oaTemplateId,
            OaData: new Dictionary<string, string>
            {
                ["first"] = first,
                ["keyword1"] = name,
                ["keyword2"] = Time(startsAt),
                ["keyword3"] = place,
                ["remark"] = hint,
            });
    }

    private static string Name(string activityTitle, string sessionTitle) =>
        sessionTitle.Length > 0 ? sessionTitle : activityTitle;

    private static string Time(DateTimeOffset instant) =>
        Shanghai.ToShanghai(instant).ToString("yyyy年MM月dd日 HH:mm", CultureInfo.InvariantCulture);

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
