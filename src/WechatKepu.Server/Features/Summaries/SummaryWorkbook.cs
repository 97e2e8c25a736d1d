using System.Globalization;
using MiniExcelLibs;
using WechatKepu.Data;
using WechatKepu.Data.Summaries;

namespace WechatKepu.Server.Features.Summaries;

/// <summary>
/// The campaign's summary workbook (MiniExcel): 总览, one row per unit and a 合计 row, then one sheet per unit
/// with the activities it answers for. Figures count the sessions held in the campaign's period.
/// </summary>
public static class SummaryWorkbook
{
    public const string OverviewSheet = "总览";

    private static readonly char[] NotInSheetNames = ['[', ']', ':', '*', '?', '/', '\\'];

    public static async Task<byte[]> BuildAsync(SummaryCampaignRow campaign, IReadOnlyList<SummaryActivityRow> rows, CancellationToken cancellationToken)
    {
        var units = SummaryMapping.Units(rows, []);
        var overview = units.Select(u => Overview(u.Unit, u.Activities, u.Filed, u.Sessions, u.Places, u.Signups, u.Checkins,
            u.Promotions, u.RemindersDelivered, u.FollowersGained, u.Participants)).ToList();
        // The total counts each activity once, however many units answer for it.
        int Sum(Func<SummaryActivityRow, int> f) => rows.Sum(f);
        overview.Add(Overview($"合计（{campaign.Name}，截止 {SummaryMapping.Text(campaign.Deadline)}）", rows.Count, rows.Count(r => r.SummaryId is not null),
            Sum(r => r.Sessions), Sum(r => r.Places), Sum(r => r.Signups), Sum(r => r.Checkins), Sum(r => r.Promotions),
            Sum(r => r.RemindersDelivered), Sum(r => r.FollowersGained), Sum(r => r.SummaryId is null ? 0 : r.Participants ?? 0)));

        var sheets = new Dictionary<string, object> { [OverviewSheet] = overview };
        foreach (var unit in units)
        {
            var name = SheetName(unit.Unit, sheets.Keys);
            sheets[name] = rows.Where(r => r.Units.Contains(unit.Unit)).Select(Activity).ToList();
        }

        using var stream = new MemoryStream();
        await stream.SaveAsAsync(sheets, cancellationToken: cancellationToken);
        return stream.ToArray();
    }

    /// <summary>A unit's sheet name: Excel's forbidden characters dropped, at most 31 characters, unique.</summary>
    public static string SheetName(string unit, IEnumerable<string> taken)
    {
        var clean = new string(unit.Where(c => !NotInSheetNames.Contains(c)).ToArray()).Trim('\'', ' ');
        clean = clean.Length == 0 ? "单位" : clean.Length > 31 ? clean[..31] : clean;
        var name = clean;
        for (var i = 2; taken.Contains(name, StringComparer.OrdinalIgnoreCase); i++)
        {
            var suffix = $"({i})";
            name = (clean.Length + suffix.Length > 31 ? clean[..(31 - suffix.Length)] : clean) + suffix;
        }

        return name;
    }

    private static Dictionary<string, object?> Overview(
        string unit, int activities, int filed, int sessions, int places, int signups, int checkins, int promotions, int reminders, int followers,
        int participants) => new()
    {
        ["单位"] = unit,
        ["负责活动"] = activities,
        ["已报送"] = filed,
        ["未报送"] = activities - filed,
        ["场次"] = sessions,
        ["名额"] = places,
        ["报名"] = signups,
        ["签到"] = checkins,
        ["到场率(%)"] = SummaryMapping.Attendance(signups, checkins),
        ["候补转正"] = promotions,
        ["提醒送达"] = reminders,
        ["新增关注"] = followers,
        ["参与人数"] = participants,
    };

    private static Dictionary<string, object?> Activity(SummaryActivityRow r) => new()
    {
        ["编号"] = r.Code,
        ["活动"] = r.Title,
        ["类别"] = r.Category,
        ["总结"] = r.SummaryId is null ? "未报送" : "已报送",
        ["举办日期"] = r.HeldFrom is { } from
            ? from == r.HeldTo ? Day(from) : $"{Day(from)}至{Day(r.HeldTo!.Value)}"
            : null,
        ["参与人数"] = r.SummaryId is null ? null : r.Participants,
        ["场次"] = r.Sessions,
        ["名额"] = r.Places,
        ["报名"] = r.Signups,
        ["签到"] = r.Checkins,
        ["到场率(%)"] = SummaryMapping.Attendance(r.Signups, r.Checkins),
        ["候补转正"] = r.Promotions,
        ["提醒送达"] = r.RemindersDelivered,
        ["新增关注"] = r.FollowersGained,
        ["报送人"] = r.FiledByName,
        ["报送时间"] = r.FiledAt is { } at ? Shanghai.ToShanghai(SummaryMapping.Utc(at)).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : null,
        ["总结内容"] = r.Body,
    };

    private static string Day(DateTime date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
