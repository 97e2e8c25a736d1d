using Microsoft.Extensions.Options;
using Npgsql;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Delivery;
using WechatKepu.Server.Features.Templates;
using WechatKepu.Server.Features.Wechat;

namespace WechatKepu.Server.Features.Reminders;

/// <summary>
/// Turns what is due into campaigns: session reminders at their offsets, waitlist-promotion,
/// session-change and session-cancellation notices from <c>signup_events</c>, and topic rounds. Each
/// notice is composed (<see cref="Notice"/>) so that what WeChat displays says what, when, where and what to do. It first cancels whatever
/// a moved or cancelled session, round or sign-up made obsolete. Idempotent: each campaign's source is
/// unique, and events are marked notified in the transaction that queues their notice.
/// </summary>
public sealed class ReminderPlanner(
    NpgsqlDataSource dataSource,
    ReminderStore store,
    DeliveryEngine engine,
    NoticeTemplateStore templates,
    IOptions<RemindersOptions> reminders,
    IOptions<WechatOptions> wechat,
    IOptions<DeliveryOptions> delivery,
    TimeProvider clock,
    ILogger<ReminderPlanner> logger)
{
    /// <summary>Plans everything due at the clock's now; returns the campaigns created.</summary>
    public async Task<int> PlanDueAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var (staleCampaigns, staleRows) = await store.ReconcileAsync(now, cancellationToken);
        if (staleCampaigns + staleRows > 0)
        {
            logger.LogInformation("Cancelled {Campaigns} obsolete campaigns and {Rows} reminders of cancelled sign-ups", staleCampaigns, staleRows);
        }

        var layouts = await NoticeLayouts.LoadAsync(templates, cancellationToken);
        var created = 0;
        foreach (var due in await store.DueSessionRemindersAsync(reminders.Value.OffsetMinutes(), now, cancellationToken))
        {
            var startsAt = new DateTimeOffset(due.StartsAt, TimeSpan.Zero);

            // The note says the time really left when the message goes out (after quiet hours, if now is in them).
            var left = startsAt - delivery.Value.QuietHours.NextAllowed(now);
            if (left < TimeSpan.FromMinutes(due.Minutes / 2.0))
            {
                logger.LogDebug("Reminder {Minutes} min before session {Session} would go out too late; skipped", due.Minutes, due.SessionId);
                continue;
            }

            var notice = new Notice(NoticeText.Activity(due.ShortName, due.ActivityTitle), startsAt, due.Venue,
                $"距开始{NoticeText.Left(left)}，请准时参加", "即将开始");
            created += await CreateAsync(new CampaignSpec(CampaignKinds.SessionReminder,
                ReminderStore.SessionReminderSource(due.SessionId, due.Minutes, startsAt), $"活动提醒：{notice.Activity}", now,
                ParentContent(NoticePurposes.SessionReminder, layouts, notice),
                SessionId: due.SessionId, RefStartsAt: startsAt), new DeliveryAudience.SessionParents(due.SessionId), cancellationToken) ? 1 : 0;
        }

        created += await PlanNoticesAsync(layouts, now, cancellationToken);

        // A round's audience is whoever is subscribed when it is sent: in quiet hours it is planned in the morning.
        if (!delivery.Value.QuietHours.Contains(now))
        {
            foreach (var round in await store.DueTopicRoundsAsync(now, cancellationToken))
            {
                var startsAt = new DateTimeOffset(round.StartsAt, TimeSpan.Zero);
                var notice = TopicNotice(round, startsAt, wechat.Value.OfficialAccounts.FirstOrDefault(a => a.AppId == round.AppId)?.Name);
                created += await CreateAsync(new CampaignSpec(CampaignKinds.TopicRound, ReminderStore.TopicRoundSource(round.RoundId, startsAt),
                    $"{round.TopicName}：{round.RoundTitle}", now,
                    new CampaignContent(OaAppId: round.AppId, OaTemplateId: round.TemplateId,
                        OaData: TopicTemplateFields.Read(round.TemplateFields) is { } map
                            ? TopicTemplateFields.Data(map, notice)
                            : layouts.For(NoticePurposes.TopicRound, DeliveryChannels.OfficialAccountTemplate).Data(notice), OaUrl: round.Url),
                    TopicRoundId: round.RoundId, RefStartsAt: startsAt), new DeliveryAudience.TopicSubscribers(round.TopicId), cancellationToken) ? 1 : 0;
            }
        }

        return created;
    }

    /// <summary>
    /// A round says the topic and round (else the topic alone), its start, where (the linked activity's venue,
    /// else the account) and what to do: the topic's description when it fits, else how to stop the reminders.
    /// </summary>
    internal static Notice TopicNotice(DueTopicRound round, DateTimeOffset startsAt, string? accountName)
    {
        var both = $"{round.TopicName}·{round.RoundTitle}";
        var activity = both.Length <= NoticeText.FieldLength ? both : round.TopicName;
        var place = !string.IsNullOrWhiteSpace(round.Place) ? round.Place
            : !string.IsNullOrWhiteSpace(accountName) ? accountName + "公众号" : "线上";
        var description = NoticeText.OneLine(round.Description);
        var unsubscribe = $"回复“退订 {round.TopicName}”可取消";
        var note = description.Length is > 0 and <= NoticeText.FieldLength ? description
            : round.Url is not null ? "点击查看详情并参与"
            : unsubscribe.Length <= NoticeText.FieldLength ? unsubscribe : "请留意开始时间，准时参与";
        return new Notice(activity, startsAt, place, note, "即将开始");
    }

    private async Task<int> PlanNoticesAsync(NoticeLayouts layouts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var events = await ReminderStore.LockPendingNoticesAsync(conn, tx, 5000, cancellationToken);
        var created = 0;
        foreach (var group in events.GroupBy(e => (e.Kind, e.SessionId)))
        {
            var first = group.First();
            var startsAt = new DateTimeOffset(first.StartsAt, TimeSpan.Zero);
            var name = NoticeText.Activity(first.ShortName, first.ActivityTitle);
            var (kind, purpose, note, status, title) = group.Key.Kind switch
            {
                "session_cancelled" => (CampaignKinds.SessionCancelled, NoticePurposes.SessionCancelled,
                    CancellationNote(first.Detail), "已取消", "活动取消："),
                "session_changed" => (CampaignKinds.SessionChanged, NoticePurposes.SessionChanged,
                    first.Detail ?? "时间或地点已变更，请留意", "已变更", "活动变更："),
                _ => (CampaignKinds.WaitlistPromoted, NoticePurposes.WaitlistPromoted, "候补成功，已为您保留名额", "候补成功", "候补成功："),
            };
            var content = ParentContent(purpose, layouts, new Notice(name, startsAt, first.Venue, note, status));

            // Cancellations and changes may affect plans for today: they ignore quiet hours.
            var spec = new CampaignSpec(kind, ReminderStore.NoticeSource(group.Key.Kind, group.Key.SessionId, first.Id), title + name, now, content,
                Urgent: kind != CampaignKinds.WaitlistPromoted, SessionId: group.Key.SessionId);
            if (HasTemplate(content))
            {
                created += await engine.CreateCampaignAsync(conn, tx, spec,
                    new DeliveryAudience.SignupParents(group.Select(e => e.SignupId).ToArray()), now, cancellationToken) is null ? 0 : 1;
            }
            else
            {
                logger.LogWarning("No template configured for {Purpose}; {Source} is not sent", purpose, spec.Source);
            }
        }

        if (events.Count > 0)
        {
            await ReminderStore.MarkNotifiedAsync(conn, tx, events.Select(e => e.Id).ToArray(), now, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>The reason staff gave (the console asks for it "将通知已报名家长"), else an apology.</summary>
    internal static string CancellationNote(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? "活动已取消，敬请谅解" : NoticeText.OneLine(reason);

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

    /// <summary>A parent notice in both channels: the mini-program template for the purpose, and the official account's.</summary>
    private CampaignContent ParentContent(string purpose, NoticeLayouts layouts, Notice notice)
    {
        var mpTemplate = wechat.Value.MiniProgram.Templates.FirstOrDefault(t => t.Purpose == purpose)?.Id;
        var oaTemplateId = reminders.Value.OfficialAccountTemplates.For(purpose);
        var oaAppId = reminders.Value.OfficialAccountAppId ?? wechat.Value.OfficialAccounts.FirstOrDefault()?.AppId;
        return new CampaignContent(
            MpTemplateId: string.IsNullOrEmpty(mpTemplate) ? null : mpTemplate,
            MpData: layouts.For(purpose, DeliveryChannels.MiniProgramSubscribe).Data(notice),
            MpPage: reminders.Value.MiniProgramPage,
            OaAppId: string.IsNullOrEmpty(oaTemplateId) ? null : oaAppId,
            OaTemplateId: string.IsNullOrEmpty(oaTemplateId) || oaAppId is null ? null : oaTemplateId,
            OaData: layouts.For(purpose, DeliveryChannels.OfficialAccountTemplate).Data(notice));
    }
}
