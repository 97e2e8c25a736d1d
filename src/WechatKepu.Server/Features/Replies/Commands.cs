using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using WechatKepu.Data;
using WechatKepu.Data.Callback;
using WechatKepu.Data.Catalogue;
using WechatKepu.Data.Followers;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Wechat;

namespace WechatKepu.Server.Features.Replies;

/// <summary>What a command runs with: the follower, the time, and the transaction that holds the message's claim.</summary>
public sealed record CommandContext(string AppId, string OpenId, DateTimeOffset Now, NpgsqlConnection Connection, NpgsqlTransaction Transaction);

/// <summary>
/// A built-in text command (活动, 订阅 …). Commands run inside the callback's once-only transaction with a
/// deadline; more can be registered in DI.
/// </summary>
public interface ICallbackCommand
{
    /// <summary>The argument (possibly empty) when this command handles <paramref name="text"/> (trimmed), else null.</summary>
    string? Match(string text);

    /// <summary>Runs the command; returns the reply text, or "" for none.</summary>
    Task<string> RunAsync(CommandContext context, string argument, CancellationToken cancellationToken);
}

/// <summary>Custom-menu CLICK keys: ours map to command texts; any other key is read as text (so a key can be a keyword).</summary>
public static class MenuKeys
{
    public const string Activities = "KEPU_ACTIVITIES";
    public const string ScienceDay = "KEPU_SCIENCE_DAY";
    public const string SignUp = "KEPU_SIGNUP";
    public const string Help = "KEPU_HELP";
    public const string MyTopics = "KEPU_MY_TOPICS";

    /// <summary>A button answering like keyword rule <c>id</c>: <c>KEPU_REPLY:id</c>.</summary>
    public const string ReplyPrefix = "KEPU_REPLY:";
    public const string SubscribePrefix = "KEPU_SUBSCRIBE:";
    public const string UnsubscribePrefix = "KEPU_UNSUBSCRIBE:";

    public static string ToText(string? key) => key switch
    {
        null => "",
        Activities => "活动",
        ScienceDay => "科普日",
        SignUp => "报名",
        Help => "帮助",
        MyTopics => "我的订阅",
        _ when key.StartsWith(SubscribePrefix, StringComparison.Ordinal) => "订阅 " + key[SubscribePrefix.Length..],
        _ when key.StartsWith(UnsubscribePrefix, StringComparison.Ordinal) => "退订 " + key[UnsubscribePrefix.Length..],
        _ => key,
    };

    public static string ReplyKey(long ruleId) => ReplyPrefix + ruleId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The keyword rule a <c>KEPU_REPLY:</c> key names, else null.</summary>
    public static long? ReplyRuleId(string? key) =>
        key is not null && key.StartsWith(ReplyPrefix, StringComparison.Ordinal)
        && long.TryParse(key.AsSpan(ReplyPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : null;
}

/// <summary>Links into the mini-program from a reply (WeChat turns them into taps that open the page).</summary>
public sealed class MiniProgramLinks(IOptions<CallbackOptions> options, IOptions<WechatOptions> wechat)
{
    /// <summary>A link to <paramref name="path"/>, or null when no mini-program is configured.</summary>
    public string? To(string path, string label) =>
        wechat.Value.MiniProgram.AppId is { Length: > 0 } appId
            ? $"<a data-miniprogram-appid=\"{appId}\" data-miniprogram-path=\"{path}\" href=\"https://mp.weixin.qq.com\">{label}</a>"
            : null;

    public string? ToSession(long sessionId, string label) =>
        To(options.Value.SessionPagePath.Replace("{id}", sessionId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), label);

    public string? ToActivities(string label) => To(options.Value.ActivitiesPagePath, label);

    /// <summary>"…：link" to the activity list, or the mini-program named in words without one.</summary>
    public string ActivitiesLine(string lead, string label) =>
        ToActivities(label) is { } link ? $"{lead}：{link}" : $"{lead}，请在「柳州科普日」小程序中查看。";
}

/// <summary>活动: the next sessions a parent can still sign up for, with dates, places and a mini-program link.</summary>
public sealed class UpcomingSessionsCommand(MiniProgramLinks links, IOptions<CallbackOptions> options) : ICallbackCommand
{
    private static readonly string[] Weekdays = ["日", "一", "二", "三", "四", "五", "六"];

    public string? Match(string text) => text is "活动" or "近期活动" ? "" : null;

    public async Task<string> RunAsync(CommandContext context, string argument, CancellationToken cancellationToken)
    {
        var limit = options.Value.UpcomingSessions;
        var rows = await ChatCatalogue.UpcomingSessionsAsync(context.Connection, context.Transaction, context.Now, limit + 1, cancellationToken);
        if (rows.Count == 0)
        {
            return "近期暂无可报名的科普活动，敬请关注。发送「科普日」了解本次全国科普日柳州活动。";
        }

        var more = "\n\n" + links.ActivitiesLine("更多场次", "查看全部活动");
        var reply = new PassiveText.Builder("近期科普活动：");
        var number = 0;
        foreach (var s in rows.Take(limit))
        {
            var start = Shanghai.ToShanghai(Utc(s.StartsAt));
            var end = Shanghai.ToShanghai(Utc(s.EndsAt));
            var item = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"\n\n{++number}. {PassiveText.Clip(SessionTitle(s.ActivityTitle, s.Title), 40)}")
                .Append(CultureInfo.InvariantCulture, $"\n时间：{start:M月d日}（周{Weekdays[(int)start.DayOfWeek]}）{start:HH:mm}–{end:HH:mm}")
                .Append(CultureInfo.InvariantCulture, $"\n地点：{PassiveText.Clip(s.Venue, 30)}")
                .Append(Status(s, context.Now));
            if (links.ToSession(s.Id, "点此报名") is { } link)
            {
                item.Append('\n').Append(link);
            }

            if (!reply.TryAdd(item.ToString(), more))
            {
                break;
            }
        }

        return reply.Build(reply.Full || rows.Count > limit ? more : "");
    }

    /// <summary>
    /// The session's own title when it already names its activity (the plan's "青少年科学荟·科学实验体验" of
    /// "2024年柳州市青少年科学荟"), else "activity·session".
    /// </summary>
    public static string SessionTitle(string activity, string session)
    {
        var head = session.Split('·')[0];
        var note = head.IndexOf('（', StringComparison.Ordinal);
        head = note > 0 ? head[..note] : head;
        return session.Contains(activity, StringComparison.Ordinal) || (head.Length >= 2 && activity.Contains(head, StringComparison.Ordinal))
            ? session
            : $"{activity}·{session}";
    }

    private static string Status(UpcomingSessionRow s, DateTimeOffset now)
    {
        if (Utc(s.SignupOpensAt) > now)
        {
            var opens = Shanghai.ToShanghai(Utc(s.SignupOpensAt));
            return string.Create(CultureInfo.InvariantCulture, $"\n{opens:M月d日 HH:mm} 开始报名，名额 {s.PlacesLeft}");
        }

        return s.PlacesLeft > 0
            ? string.Create(CultureInfo.InvariantCulture, $"\n余位：{s.PlacesLeft}")
            : string.Create(CultureInfo.InvariantCulture, $"\n名额已满，可排队候补（候补还剩 {s.WaitlistLeft} 位）");
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

/// <summary>科普日: the campaign, its main event first (it takes no sign-ups, so 活动 never lists it), then its activities.</summary>
public sealed class CampaignCommand(MiniProgramLinks links) : ICallbackCommand
{
    public string? Match(string text) => text is "科普日" or "全国科普日" or "科普日活动" ? "" : null;

    public async Task<string> RunAsync(CommandContext context, string argument, CancellationToken cancellationToken)
    {
        var all = await ChatCatalogue.CampaignAsync(context.Connection, context.Transaction, cancellationToken);
        if (all.Count == 0)
        {
            return "本次科普日的活动安排即将公布，敬请关注。";
        }

        // The plan's first 主场活动 is the opening event everything else hangs off.
        var main = all.FirstOrDefault(a => a.Category == ActivityStore.Categories[0]) ?? all[0];
        var head = new StringBuilder("【主场活动】").Append(main.Title)
            .Append(CultureInfo.InvariantCulture, $"\n时间：{main.StartsOn:yyyy年}{main.TimeText}")
            .Append("\n地点：").Append(PassiveText.Clip(main.Venue, 60))
            .Append(main.AcceptsSignups ? "\n需报名参加，发送「活动」查看场次。" : "\n无需报名，欢迎到现场参加。");
        var counts = string.Join("、", ActivityStore.Categories
            .Select(c => (Category: c, Count: all.Count(a => a.Category == c)))
            .Where(c => c.Count > 0)
            .Select(c => $"{c.Category} {c.Count} 项"));
        head.Append(CultureInfo.InvariantCulture, $"\n\n活动期间共有 {all.Count} 项活动（{counts}），包括：");

        var ending = "\n\n发送「活动」查看可报名的场次，发送「报名」了解报名方法。\n" + links.ActivitiesLine("全部活动", "进入小程序查看");
        var reply = new PassiveText.Builder(head.ToString());
        foreach (var a in all.Where(a => a.Id != main.Id))
        {
            var line = $"\n· {PassiveText.Clip(a.Title, 30)}（{a.TimeText}{(a.AcceptsSignups ? "，可报名" : "")}）";
            if (!reply.TryAdd(line, ending))
            {
                break;
            }
        }

        return reply.Build(reply.Full ? "\n· ……" + ending : ending);
    }
}

/// <summary>报名: how a parent signs a child up (in the mini-program; the chat cannot take sign-ups).</summary>
public sealed class HowToSignUpCommand(MiniProgramLinks links) : ICallbackCommand
{
    public string? Match(string text) => text is "报名" or "我要报名" or "怎么报名" or "如何报名" or "报名方法" ? "" : null;

    public Task<string> RunAsync(CommandContext context, string argument, CancellationToken cancellationToken) => Task.FromResult(
        "报名在「柳州科普日」小程序中进行：\n" +
        "1. 打开小程序" + (links.ToActivities("点此进入") is { } link ? $"（{link}）" : "") + "，或发送「活动」后点「点此报名」；\n" +
        "2. 选择活动场次，首次报名请填写监护人信息，并在「隐私说明与儿童信息同意」中确认同意；\n" +
        "3. 添加孩子后提交。名额已满时可排队候补，有人取消会自动递补并通知您；\n" +
        "4. 在「我的报名」中可取消报名、查看签到码，活动当天凭签到码入场。\n\n" +
        "发送「活动」查看近期可报名的场次。");
}

/// <summary>帮助 / 菜单: what the account understands.</summary>
public sealed class HelpCommand : ICallbackCommand
{
    public const string Text =
        "您可以发送：\n" +
        "「活动」近期可报名的场次\n" +
        "「科普日」全国科普日柳州活动介绍\n" +
        "「报名」报名方法\n" +
        "「订阅 主题名」订阅活动提醒\n" +
        "「退订 主题名」取消提醒\n" +
        "「我的订阅」查看已订阅的提醒\n" +
        "「帮助」显示本说明";

    public string? Match(string text) => text is "帮助" or "菜单" or "功能" or "?" or "？" ? "" : null;

    public Task<string> RunAsync(CommandContext context, string argument, CancellationToken cancellationToken) => Task.FromResult(Text);
}

/// <summary>订阅 &lt;主题&gt;: subscribe to a reminder topic.</summary>
public sealed class SubscribeTopicCommand : ICallbackCommand
{
    public string? Match(string text) => TopicCommands.Argument(text, "订阅");

    public Task<string> RunAsync(CommandContext context, string argument, CancellationToken cancellationToken) =>
        TopicCommands.ChangeAsync(context, argument, subscribe: true, cancellationToken);
}

/// <summary>退订 &lt;主题&gt;: leave a reminder topic.</summary>
public sealed class UnsubscribeTopicCommand : ICallbackCommand
{
    public string? Match(string text) => TopicCommands.Argument(text, "退订") ?? TopicCommands.Argument(text, "取消订阅");

    public Task<string> RunAsync(CommandContext context, string argument, CancellationToken cancellationToken) =>
        TopicCommands.ChangeAsync(context, argument, subscribe: false, cancellationToken);
}

/// <summary>我的订阅: the follower's reminder topics.</summary>
public sealed class MyTopicsCommand : ICallbackCommand
{
    public string? Match(string text) => text is "我的订阅" ? "" : null;

    public async Task<string> RunAsync(CommandContext context, string argument, CancellationToken cancellationToken)
    {
        var followerId = await FollowerStore.EnsureAsync(context.Connection, context.Transaction, context.AppId, context.OpenId, context.Now, cancellationToken);
        var mine = await FollowerStore.MyTopicsAsync(context.Connection, context.Transaction, followerId, cancellationToken);
        return mine.Count == 0
            ? "您还没有订阅任何提醒。" + await TopicCommands.OfferAsync(context, cancellationToken)
            : $"您已订阅：{string.Join("、", mine.Select(n => $"「{n}」"))}。\n发送「退订 主题名」可取消。";
    }
}

internal static class TopicCommands
{
    /// <summary>"订阅 X", "订阅X" or "订阅" alone → the topic name (maybe empty).</summary>
    public static string? Argument(string text, string verb) =>
        text.StartsWith(verb, StringComparison.Ordinal) ? text[verb.Length..].Trim() : null;

    public static async Task<string> ChangeAsync(CommandContext context, string topic, bool subscribe, CancellationToken cancellationToken)
    {
        var verb = subscribe ? "订阅" : "退订";
        if (topic.Length == 0)
        {
            return $"请发送「{verb} 主题名」。" + await OfferAsync(context, cancellationToken);
        }

        var followerId = await FollowerStore.EnsureAsync(context.Connection, context.Transaction, context.AppId, context.OpenId, context.Now, cancellationToken);
        var change = await FollowerStore.ChangeTopicAsync(
            context.Connection, context.Transaction, context.AppId, followerId, topic, subscribe, context.Now, cancellationToken);
        return (change, subscribe) switch
        {
            (TopicChange.UnknownTopic, _) => $"没有找到提醒主题「{topic}」。" + await OfferAsync(context, cancellationToken),
            (TopicChange.NoChannel, _) => $"「{topic}」的提醒暂未开通，现在订阅也收不到提醒，请稍后再试。" + await OfferAsync(context, cancellationToken),
            (TopicChange.Changed, true) => $"已订阅「{topic}」，每轮开始前会提醒您。发送「退订 {topic}」可取消。",
            (TopicChange.Unchanged, true) => $"您已订阅过「{topic}」。",
            (TopicChange.Changed, false) => $"已退订「{topic}」，不会再收到它的提醒。",
            _ => $"您没有订阅「{topic}」。",
        };
    }

    public static async Task<string> OfferAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var topics = await FollowerStore.TopicsAsync(context.Connection, context.Transaction, context.AppId, cancellationToken);
        return topics.Count == 0
            ? "目前没有可订阅的提醒主题。"
            : $"可订阅的主题：{string.Join("、", topics.Select(n => $"「{n}」"))}。";
    }
}
