using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using WechatKepu.Data;
using WechatKepu.Data.Callback;
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
    public const string MyTopics = "KEPU_MY_TOPICS";
    public const string SubscribePrefix = "KEPU_SUBSCRIBE:";
    public const string UnsubscribePrefix = "KEPU_UNSUBSCRIBE:";

    public static string ToText(string? key) => key switch
    {
        null => "",
        Activities => "活动",
        MyTopics => "我的订阅",
        _ when key.StartsWith(SubscribePrefix, StringComparison.Ordinal) => "订阅 " + key[SubscribePrefix.Length..],
        _ when key.StartsWith(UnsubscribePrefix, StringComparison.Ordinal) => "退订 " + key[UnsubscribePrefix.Length..],
        _ => key,
    };
}

/// <summary>活动 / 科普日: the next sessions with dates, places and a mini-program link.</summary>
public sealed class UpcomingSessionsCommand(UpcomingSessionStore sessions, IOptions<CallbackOptions> options, IOptions<WechatOptions> wechat) : ICallbackCommand
{
    private static readonly string[] Weekdays = ["日", "一", "二", "三", "四", "五", "六"];

    public string? Match(string text) => text is "活动" or "科普日" or "近期活动" ? "" : null;

    public async Task<string> RunAsync(CommandContext context, string argument, CancellationToken cancellationToken)
    {
        var rows = await sessions.NextAsync(context.Now, options.Value.UpcomingSessions, cancellationToken);
        if (rows.Count == 0)
        {
            return "近期暂无可报名的科普活动，敬请关注。";
        }

        var mpAppId = wechat.Value.MiniProgram.AppId;
        var text = new StringBuilder("近期科普活动：");
        var number = 0;
        foreach (var s in rows)
        {
            var start = Shanghai.ToShanghai(new DateTimeOffset(DateTime.SpecifyKind(s.StartsAt, DateTimeKind.Utc)));
            var end = Shanghai.ToShanghai(new DateTimeOffset(DateTime.SpecifyKind(s.EndsAt, DateTimeKind.Utc)));
            var title = s.Title == s.ActivityTitle ? s.Title : $"{s.ActivityTitle}·{s.Title}";
            text.Append(CultureInfo.InvariantCulture, $"\n\n{++number}. {title}")
                .Append(CultureInfo.InvariantCulture, $"\n时间：{start:M月d日}（周{Weekdays[(int)start.DayOfWeek]}）{start:HH:mm}–{end:HH:mm}")
                .Append(CultureInfo.InvariantCulture, $"\n地点：{s.Venue}")
                .Append(s.PlacesLeft > 0 ? $"\n余位：{s.PlacesLeft}" : "\n名额已满，可候补");
            if (!string.IsNullOrEmpty(mpAppId))
            {
                var path = options.Value.SessionPagePath.Replace("{id}", s.Id.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
                text.Append(CultureInfo.InvariantCulture,
                    $"\n<a data-miniprogram-appid=\"{mpAppId}\" data-miniprogram-path=\"{path}\" href=\"https://mp.weixin.qq.com\">点此报名</a>");
            }
        }

        return text.ToString();
    }
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
