using System.Globalization;
using System.Text;
using WechatKepu.Data;
using WechatKepu.Data.Followers;
using WechatKepu.Data.Posters;
using WechatKepu.Server.Features.Menu;
using WechatKepu.Server.Features.Replies;

namespace WechatKepu.Server.Features.Posters;

/// <summary>
/// A follower scanned a poster's QR code (subscribe with <c>qrscene_</c>, or SCAN): the scan is counted for
/// the code, the follower is subscribed to the activity's reminder topics, and the reply is the activity's card.
/// Runs in the callback's once-only transaction, so a retried event counts once.
/// </summary>
public sealed class PosterScans(MiniProgramLinks links)
{
    /// <returns>The card, or null when the scene is not one of our poster codes.</returns>
    public async Task<string?> HandleAsync(CommandContext c, string? scene, bool newFollower, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(scene) || await PosterStore.FindSceneAsync(c.Connection, c.Transaction, c.AppId, scene, cancellationToken) is not { } code)
        {
            return null;
        }

        await PosterStore.RecordScanAsync(c.Connection, c.Transaction, code.CodeId, c.OpenId, newFollower, c.Now, cancellationToken);
        var topics = await PosterStore.ActivityTopicsAsync(c.Connection, c.Transaction, c.AppId, code.ActivityId, cancellationToken);
        var subscribed = new List<string>();
        if (topics.Count > 0)
        {
            var followerId = await FollowerStore.EnsureAsync(c.Connection, c.Transaction, c.AppId, c.OpenId, c.Now, cancellationToken);
            foreach (var topic in topics)
            {
                // A topic without a template to send with takes no subscribers (TopicChange.NoChannel): the scan is only recorded.
                if (await FollowerStore.ChangeTopicAsync(c.Connection, c.Transaction, c.AppId, followerId, topic, subscribe: true, c.Now, cancellationToken)
                    is TopicChange.Changed or TopicChange.Unchanged)
                {
                    subscribed.Add(topic);
                }
            }
        }

        return Card(code, subscribed);
    }

    /// <summary>The activity card: what, when, where, the reminders now on, and the way to sign up.</summary>
    public string Card(PosterScene code, IReadOnlyList<string> topics)
    {
        var text = new StringBuilder("【").Append(PassiveText.Clip(code.ActivityTitle, 60)).Append('】');
        if (code.SessionId is { } sessionId)
        {
            var starts = Shanghai.ToShanghai(new DateTimeOffset(DateTime.SpecifyKind(code.SessionStartsAt!.Value, DateTimeKind.Utc)));
            text.Append("\n场次：").Append(PassiveText.Clip(code.SessionTitle!, 40))
                .Append(CultureInfo.InvariantCulture, $"\n时间：{starts:yyyy年M月d日 HH:mm}")
                .Append("\n地点：").Append(PassiveText.Clip(code.SessionVenue!, 60))
                .Append(code.PlacesLeft > 0 ? $"\n剩余名额：{code.PlacesLeft}" : "\n名额已满，可报名候补。");
            text.Append('\n').Append(links.ToSession(sessionId, "点此报名") ?? "请在「柳州科普日」小程序中报名。");
        }
        else
        {
            text.Append("\n时间：").Append(code.TimeText).Append("\n地点：").Append(PassiveText.Clip(code.Venue, 60));
            var link = links.To($"{MiniProgramPages.Activity.Path}?{MiniProgramPages.Activity.QueryKey}={code.ActivityId.ToString(CultureInfo.InvariantCulture)}", code.AcceptsSignups ? "查看场次并报名" : "查看活动详情");
            text.Append('\n').Append(link ?? (code.AcceptsSignups ? "需报名参加，发送「活动」查看场次。" : "无需报名，欢迎到现场参加。"));
        }

        foreach (var topic in topics)
        {
            text.Append("\n\n已为您订阅「").Append(topic).Append("」活动提醒，发送「退订 ").Append(topic).Append("」可取消。");
        }

        return text.Append("\n\n发送「活动」查看更多可报名的场次。").ToString();
    }
}
