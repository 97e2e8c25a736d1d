using System.ComponentModel.DataAnnotations;
using WechatKepu.Data;

namespace WechatKepu.Server.Features.Broadcasts;

/// <summary>
/// The mass-send quota WeChat gives the account type: a service account (服务号) 4 mass sends a month, a
/// subscription account (订阅号) 1 a day. Counted from our own mass broadcasts (all followers or a tag) that WeChat
/// accepted, in Asia/Shanghai calendar months or days.
/// </summary>
public sealed class BroadcastOptions
{
    public const string Section = "Broadcasts";

    /// <summary>Mass sends allowed per period.</summary>
    [Range(1, 100)]
    public int MassQuota { get; set; } = 4;

    /// <summary><c>month</c> (service account) or <c>day</c> (subscription account).</summary>
    [RegularExpression("^(month|day)$")]
    public string MassQuotaPeriod { get; set; } = "month";

    /// <summary>Where the current period began (Asia/Shanghai).</summary>
    public DateTimeOffset PeriodStart(DateTimeOffset now)
    {
        var local = Shanghai.ToShanghai(now);
        var day = MassQuotaPeriod == "day" ? DateOnly.FromDateTime(local.DateTime) : new DateOnly(local.Year, local.Month, 1);
        return Shanghai.At(day, TimeOnly.MinValue);
    }

    /// <summary>The period in Chinese, for staff.</summary>
    public string PeriodName => MassQuotaPeriod == "day" ? "今天" : "本月";
}

/// <summary>How many mass sends the period still allows.</summary>
public sealed record MassQuotaDto(string Period, int Limit, int Used, int Left, string Summary);
