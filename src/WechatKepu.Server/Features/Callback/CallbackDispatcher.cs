using System.Text.Json;
using Hangfire;
using WechatKepu.Data.Callback;
using WechatKepu.Data.Followers;
using WechatKepu.Server.Features.Followers;
using WechatKepu.Server.Features.Posters;
using WechatKepu.Server.Features.Replies;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Server.Features.Callback;

/// <summary>What a message needs: an answer known in memory, or work in the database.</summary>
public abstract record CallbackPlan;

/// <summary>Answered from memory (keyword rules, fixed texts): claimed and answered in one insert.</summary>
/// <param name="Text">The reply text; null for no reply.</param>
/// <param name="Reply">An image or news reply (a keyword rule's), answered instead of the text.</param>
public sealed record ImmediatePlan(string? Text, WechatReply? Reply = null) : CallbackPlan;

/// <summary>Database work run once under the claim, with a deadline.</summary>
/// <param name="Run">Returns the reply text, or "" for none.</param>
/// <param name="After">Runs after the work committed (enqueue a job, notify the delivery engine).</param>
public sealed record WorkPlan(Func<CommandContext, CancellationToken, Task<string>> Run, Func<CancellationToken, Task>? After = null) : CallbackPlan;

/// <summary>Decides what each message and event gets, and runs the work of those that need the database.</summary>
public sealed class CallbackDispatcher(
    ReplyEngine replies,
    IEnumerable<ICallbackCommand> commands,
    InboundStore inbound,
    IReceiptHandler receiptHandler,
    IBackgroundJobClient jobs,
    CallbackAccounts accounts,
    PosterScans posters,
    TimeProvider clock)
{
    public const string DefaultWelcome = "感谢关注！发送「活动」查看近期可报名的科普活动，发送「报名」了解报名方法，发送「订阅 主题名」订阅活动提醒，发送「帮助」查看全部指令。";
    public const string DefaultReply = "您好！发送「活动」查看近期科普活动，发送「报名」了解报名方法，发送「帮助」查看全部指令。";

    private readonly ICallbackCommand[] _commands = commands.ToArray();

    public async ValueTask<CallbackPlan> PlanAsync(string appId, WechatInboundMessage message, CancellationToken cancellationToken)
    {
        if (accounts.FindPush(appId) is { IsMiniProgram: true })
        {
            // The mini-program's message push: its subscribe-message events are receipts; anything else
            // (customer-service messages, other events) is logged and acknowledged, never replied to.
            return Receipts(message) is { } mpReceipts ? ReceiptPlan(appId, message, mpReceipts) : new ImmediatePlan(null);
        }

        switch (message)
        {
            case WechatTextMessage text:
                return await PlanTextAsync(appId, text.Content, cancellationToken);
            case WechatVoiceMessage { Recognition: { Length: > 0 } heard }:
                // Speech recognition hands us text; WeChat ends it with a full stop.
                return await PlanTextAsync(appId, heard.TrimEnd('。', '.', '！', '？'), cancellationToken);
            case WechatClickEvent click when MenuKeys.ReplyRuleId(click.EventKey) is { } ruleId:
                // A menu button naming a keyword rule answers with that rule, whatever its keyword.
                var rules = await replies.ForAsync(appId, cancellationToken);
                return rules.ById(ruleId, clock.GetUtcNow())?.Plan ?? new ImmediatePlan(rules.DefaultText ?? DefaultReply);
            case WechatClickEvent click:
                return await PlanTextAsync(appId, MenuKeys.ToText(click.EventKey), cancellationToken);
            case WechatUserMessage media:
                return new ImmediatePlan($"收到您的{Describe(media)}，谢谢！目前只能自动回复文字消息：发送「活动」查看近期科普活动，发送「我的订阅」管理活动提醒。");
            case WechatSubscribeEvent subscribe:
                var welcome = (await replies.ForAsync(appId, cancellationToken)).WelcomeText ?? DefaultWelcome;
                return new WorkPlan(
                    async (c, ct) =>
                    {
                        await FollowerStore.SubscribeAsync(c.Connection, c.Transaction, c.AppId, c.OpenId, subscribe.SceneKey, subscribe.CreatedAt, ct);
                        return await posters.HandleAsync(c, subscribe.SceneKey, newFollower: true, ct) ?? welcome;
                    },
                    _ =>
                    {
                        jobs.Enqueue<FollowerProfileJob>(j => j.RunAsync(appId, subscribe.FromUserName, CancellationToken.None));
                        return Task.CompletedTask;
                    });
            case WechatUnsubscribeEvent unsubscribe:
                return new WorkPlan(async (c, ct) =>
                {
                    await FollowerStore.UnsubscribeAsync(c.Connection, c.Transaction, c.AppId, c.OpenId, unsubscribe.CreatedAt, ct);
                    return "";
                });
            case WechatScanEvent scan:
                return new WorkPlan(async (c, ct) =>
                {
                    await FollowerStore.ScanAsync(c.Connection, c.Transaction, c.AppId, c.OpenId, scan.EventKey, scan.CreatedAt, ct);
                    return await posters.HandleAsync(c, scan.EventKey, newFollower: false, ct) ?? "";
                });
            case WechatEvent when Receipts(message) is { } receipts:
                return ReceiptPlan(appId, message, receipts);
            default:
                // LOCATION reports, VIEW, view_miniprogram, scan-code menus, publish results, revocations and
                // unknown types: logged in the inbound table, nothing to say.
                return new ImmediatePlan(null);
        }
    }

    /// <summary>Stores the receipts in the claim's transaction, then hands them to the receipt handler.</summary>
    private WorkPlan ReceiptPlan(string appId, WechatInboundMessage message, IReadOnlyList<ReceiptRecord> receipts)
    {
        long[] ids = [];
        return new WorkPlan(
            async (c, ct) =>
            {
                ids = await ReceiptStore.InsertAsync(c.Connection, c.Transaction, c.AppId, c.OpenId, message.DedupKey, receipts, c.Now, ct);
                return "";
            },
            ct => ids.Length == 0 ? Task.CompletedTask : receiptHandler.HandleAsync(appId, ids, ct));
    }

    /// <summary>
    /// Runs a work plan once for the claimed message (see <see cref="InboundStore.HandleOnceAsync"/>), then
    /// its follow-up.
    /// </summary>
    /// <returns>The outcome (reply XML or "") and the stored passive reply.</returns>
    public async Task<(string Outcome, string? Reply)> RunAsync(
        string appId, WechatInboundMessage message, WorkPlan plan, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var result = await inbound.HandleOnceAsync(appId, message.DedupKey, async (conn, tx, ct) =>
        {
            var text = await plan.Run(new CommandContext(appId, message.FromUserName, now, conn, tx), ct);
            return text.Length == 0 ? "" : ReplyXml(message, text, now);
        }, now, cancellationToken);
        if (plan.After is not null)
        {
            await plan.After(CancellationToken.None);
        }

        return result;
    }

    /// <summary>An immediate plan's passive reply XML (its image or news reply, else its text); null for no reply.</summary>
    public static string? ReplyXml(WechatInboundMessage message, ImmediatePlan plan, DateTimeOffset now) =>
        plan.Reply is { } reply ? reply.ToXml(message, now.ToUnixTimeSeconds())
        : plan.Text is { } text ? ReplyXml(message, text, now)
        : null;

    /// <summary>The passive text reply, never over WeChat's 2,048 bytes (<see cref="PassiveText"/>).</summary>
    public static string ReplyXml(WechatInboundMessage message, string text, DateTimeOffset now) =>
        new WechatTextReply(PassiveText.Fit(text)).ToXml(message, now.ToUnixTimeSeconds());

    private async ValueTask<CallbackPlan> PlanTextAsync(string appId, string content, CancellationToken cancellationToken)
    {
        var text = content.Trim();
        foreach (var command in _commands)
        {
            if (command.Match(text) is { } argument)
            {
                return new WorkPlan((c, ct) => command.RunAsync(c, argument, ct));
            }
        }

        var account = await replies.ForAsync(appId, cancellationToken);
        return account.Match(text, clock.GetUtcNow())?.Plan ?? new ImmediatePlan(account.DefaultText ?? DefaultReply);
    }

    private static string Describe(WechatUserMessage message) => message switch
    {
        WechatImageMessage => "图片",
        WechatVoiceMessage => "语音",
        WechatVideoMessageBase => "视频",
        WechatLocationMessage => "位置",
        WechatLinkMessage => "链接",
        WechatMiniProgramPageMessage => "小程序卡片",
        _ => "消息",
    };

    // ErrorCode 0 is a delivery whatever ErrorStatus says (or omits); otherwise WeChat's text, or the code.
    private static string SentStatus(WechatSubscribeMsgSentItem item) =>
        item.ErrorCode == 0 ? "success" : item.ErrorStatus is { Length: > 0 } text && text != "success" ? text : $"failed:{item.ErrorCode}";

    private static IReadOnlyList<ReceiptRecord>? Receipts(WechatInboundMessage message) => message switch
    {
        WechatTemplateSendJobFinishEvent t => [new ReceiptRecord("template_send", t.MsgId, null, t.Status, "{}")],
        WechatMassSendJobFinishEvent m => [new ReceiptRecord("mass_send", m.MsgId, null, m.Status, JsonSerializer.Serialize(new
        {
            total_count = m.TotalCount, filter_count = m.FilterCount, sent_count = m.SentCount, error_count = m.ErrorCount,
        }))],
        // A freepublish task's outcome, keyed by publish_id (kept in msg_id); status is publish_status (0 = published).
        WechatPublishJobFinishEvent j => [new ReceiptRecord("publish", j.PublishId, null,
            (j.PublishStatus ?? -1).ToString(System.Globalization.CultureInfo.InvariantCulture), JsonSerializer.Serialize(new
            {
                publish_status = j.PublishStatus, article_id = j.ArticleId, article_url = j.Articles.FirstOrDefault()?.ArticleUrl, fail_idx = j.FailedIndexes,
            }))],
        WechatSubscribeMsgPopupEvent p => p.Items.Select(i => new ReceiptRecord("subscribe_popup", null, i.TemplateId, i.SubscribeStatusString,
            JsonSerializer.Serialize(new { popup_scene = i.PopupScene }))).ToArray(),
        WechatSubscribeMsgChangeEvent c => c.Items.Select(i => new ReceiptRecord("subscribe_change", null, i.TemplateId, i.SubscribeStatusString, "{}")).ToArray(),
        WechatSubscribeMsgSentEvent s => s.Items.Select(i => new ReceiptRecord("subscribe_sent", i.MsgId, i.TemplateId, SentStatus(i),
            JsonSerializer.Serialize(new { error_code = i.ErrorCode }))).ToArray(),
        _ => null,
    };
}
