using WechatKepu.Data.Broadcasts;
using WechatKepu.Wechat;

namespace WechatKepu.Server.Features.Broadcasts;

/// <summary>Who a broadcast could not reach and why, in Chinese, for the console's report.</summary>
public static class BroadcastReport
{
    /// <summary>What went wrong when nobody on a broadcast's list was reached; a broadcast that reached nobody is never "done".</summary>
    public const string NobodyReached = BroadcastStatus.NobodyReached;

    /// <summary>A send WeChat never answered: it may or may not have arrived, and is not resent.</summary>
    private const string NoAnswer = "微信没有回答，无法确定是否送达";

    /// <summary>Why WeChat refused a message to one user, from its errcode.</summary>
    public static string Reason(int? errcode) => errcode switch
    {
        WechatErrors.OutsideCustomerServiceWindow => "超过 48 小时没有与公众号互动，微信不允许此时给他发消息（45015）",
        45047 => "发给该用户的客服消息已达微信上限（45047）",
        WechatErrors.NotFollower => "已取消关注公众号（43004）",
        WechatErrors.InvalidOpenId => "openid 无效（40003）",
        43019 => "该用户已将公众号拉黑（43019）",
        WechatErrors.SubscribeRefused => "用户拒绝接收或没有可用的订阅授权（43101）",
        { } code => $"微信拒绝发送（错误码 {code}）",
        null => "发送失败",
    };

    /// <summary>
    /// The families of a session the official account cannot reach: no unionid to match, no follower with it,
    /// unfollowed, refused by WeChat, or (once the list is fixed) not on it.
    /// </summary>
    public static IReadOnlyList<UnreachableDto> SessionFamilies(IEnumerable<SessionFamilyReach> families, bool listFixed)
    {
        var list = new List<UnreachableDto>();
        foreach (var f in families)
        {
            var reason = f switch
            {
                { HasUnionid: false } => "无法对应到公众号关注者：家长的小程序账号没有 unionid（小程序与公众号须绑定同一微信开放平台账号）",
                { Openid: null } => "没有关注公众号",
                { Subscribed: false } => "已取消关注公众号",
                { RecipientStatus: Data.Broadcasts.RecipientStatus.Failed or Data.Broadcasts.RecipientStatus.Skipped } => Reason(f.Errcode),
                { RecipientStatus: Data.Broadcasts.RecipientStatus.Unknown } => NoAnswer,
                { RecipientStatus: null } when listFixed => "发送开始后才关注公众号，不在本次发送名单中",
                _ => null,
            };
            if (reason is not null)
            {
                list.Add(new UnreachableDto($"{f.GuardianName ?? "家长"}（{f.Children}）", f.Openid, reason, f.Errcode));
            }
        }

        return list;
    }

    /// <summary>Recipients on a broadcast's list that WeChat refused (openids as the caller may see them).</summary>
    public static IReadOnlyList<UnreachableDto> Recipients(IEnumerable<BroadcastRecipientRow> recipients) =>
        recipients.Where(r => r.Status is RecipientStatus.Failed or RecipientStatus.Skipped or RecipientStatus.Unknown)
            .Select(r => new UnreachableDto(r.Openid ?? "?", r.Openid, r.Status == RecipientStatus.Unknown ? NoAnswer : Reason(r.Errcode), r.Errcode)).ToList();

    /// <summary>Deliveries of a template broadcast that failed, from the delivery engine's report (openids as the caller may see them).</summary>
    public static IReadOnlyList<UnreachableDto> Deliveries(IEnumerable<Data.Delivery.DeliveryFailure> failures) =>
        failures.Select(f => new UnreachableDto(f.OpenId ?? $"收件人 #{f.Id}", f.OpenId,
            f.Status == "unknown" ? NoAnswer : Reason(f.Errcode), f.Errcode)).ToList();

    /// <summary>Why members of an audience cannot be reached, in words staff can act on.</summary>
    public static string ForecastReason(string code) => code switch
    {
        ReachReason.Unsubscribed => "已取消关注公众号",
        ReachReason.NoUnionid => "家长的小程序账号没有 unionid，无法对应到公众号关注者（没有 openid）",
        ReachReason.NotFollowing => "没有关注公众号（没有 openid）",
        ReachReason.Waitlisted => "候补家长不在发送范围：模板消息只发给已确认和已签到的家长",
        _ => code,
    };

    /// <summary>
    /// The forecast of a broadcast not yet sent, from the audience counted by reason: the reachable go by the
    /// channel the job will use for the broadcast's kind and audience.
    /// </summary>
    public static ReachForecastDto Forecast(string kind, string audience, IReadOnlyList<ReachCount> counts)
    {
        var reachable = counts.Where(c => c.Reason is null).Sum(c => c.Count);
        var (channel, name) = (kind, audience) switch
        {
            (BroadcastKind.Template, _) => ("oa_template", "模板消息"),
            (_, BroadcastAudience.All) => ("mass_all", "群发（全部关注者）"),
            (_, BroadcastAudience.Tag) => ("mass_tag", "群发（按标签）"),
            _ when reachable == 1 => ("custom", "客服消息（仅 48 小时内与公众号互动过的可收到）"),
            _ => ("mass_openids", "按名单群发"),
        };
        var unreachable = counts.Where(c => c.Reason is not null && c.Count > 0).OrderByDescending(c => c.Count)
            .Select(c => new ForecastReasonDto(c.Reason!, ForecastReason(c.Reason!), c.Count)).ToList();
        var missed = unreachable.Sum(u => u.Count);
        var summary = $"预计送达 {reachable} 人（{name} {reachable}）"
            + (missed > 0 ? $"；无法送达 {missed} 人：{string.Join("，", unreachable.Select(u => $"{u.Reason} {u.Count} 人"))}" : "；没有无法送达的对象")
            + (audience is BroadcastAudience.All or BroadcastAudience.Tag && kind != BroadcastKind.Template ? "。按本系统记录的关注者估计，微信按其名单发送。" : "。");
        return new ReachForecastDto(reachable, missed, [new ForecastChannelDto(channel, name, reachable)], unreachable, summary);
    }
}
