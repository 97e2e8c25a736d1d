using System.Globalization;
using WechatKepu.Data;
using WechatKepu.Data.Summaries;

namespace WechatKepu.Server.Features.Summaries;

/// <param name="Open">Whether organisers may still file and edit (the deadline has not passed).</param>
public sealed record SummaryCampaignDto(
    long Id, string Code, string Name, DateOnly PeriodFrom, DateOnly PeriodTo, DateTimeOffset Deadline, string DeadlineText, bool Open,
    string? UpdatedBy);

/// <summary>An admin's change to a campaign: its period (activities overlapping it are in the campaign) and deadline.</summary>
public sealed record SummaryCampaignRequest(DateOnly? PeriodFrom, DateOnly? PeriodTo, DateTimeOffset? Deadline);

public sealed record SummaryPhotoDto(long Id, string Url);

public sealed record SummaryDto(
    long Id, DateOnly HeldFrom, DateOnly HeldTo, int? ParticipantsEntered, string Text, string FiledBy, DateTimeOffset FiledAt,
    string UpdatedBy, DateTimeOffset UpdatedAt, IReadOnlyList<SummaryPhotoDto> Photos);

/// <param name="Mine">The caller's unit hosts, organises or co-organises it (organisers file only these).</param>
/// <param name="ParticipantsCounted">People signed up for its sessions: participants are counted (check-ins, else confirmed sign-ups), not entered.</param>
/// <param name="AttendancePercent">Check-ins per confirmed sign-up, in per cent (one decimal); null without sign-ups.</param>
public sealed record SummaryActivityDto(
    long Id, string Code, string Title, string Category, string TimeText, string Venue, IReadOnlyList<string> Units, bool Mine, bool Filed,
    int Sessions, int Places, int Signups, int Checkins, double? AttendancePercent, int Promotions, int RemindersDelivered, int FollowersGained,
    bool ParticipantsCounted, int CountedParticipants, int? Participants, SummaryDto? Summary);

public sealed record SummaryOrganiserDto(string Name, bool Wechat);

public sealed record SummaryMissingDto(long Id, string Code, string Title);

/// <summary>A unit's state in a campaign: what it answers for, what it filed, who is reminded, and its figures.</summary>
public sealed record SummaryUnitDto(
    string Unit, int Activities, int Filed, IReadOnlyList<SummaryMissingDto> Missing, IReadOnlyList<SummaryOrganiserDto> Organisers,
    int Sessions, int Places, int Signups, int Checkins, double? AttendancePercent, int Promotions, int RemindersDelivered,
    int FollowersGained, int Participants);

/// <param name="Organisers">Organisers of the units that have not filed: all see the console's banner.</param>
/// <param name="ByWechat">Of them, those with an openid: they get a WeChat message (sent by a job).</param>
public sealed record SummaryRemindDto(int Units, int Organisers, int ByWechat, string? JobId);

public sealed record SummaryDueDto(long CampaignId, string Name, DateTimeOffset Deadline, string DeadlineText, int Missing);

public static class SummaryMapping
{
    public static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    /// <summary>2024年9月27日 23:59 (Asia/Shanghai).</summary>
    public static string Text(DateTime deadline) =>
        Shanghai.ToShanghai(Utc(deadline)).ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture);

    public static SummaryCampaignDto Dto(SummaryCampaignRow c, DateTimeOffset now) => new(
        c.Id, c.Code, c.Name, DateOnly.FromDateTime(c.PeriodFrom), DateOnly.FromDateTime(c.PeriodTo), Utc(c.Deadline), Text(c.Deadline),
        now < Utc(c.Deadline), c.UpdatedByName);

    public static double? Attendance(int signups, int checkins) =>
        signups == 0 ? null : Math.Round(100.0 * checkins / signups, 1, MidpointRounding.AwayFromZero);

    public static SummaryActivityDto Dto(SummaryActivityRow r) => new(
        r.Id, r.Code, r.Title, r.Category, r.TimeText, r.Venue, r.Units, r.InScope, r.SummaryId is not null,
        r.Sessions, r.Places, r.Signups, r.Checkins, Attendance(r.Signups, r.Checkins), r.Promotions, r.RemindersDelivered, r.FollowersGained,
        r.HadSignups, r.CountedParticipants, r.SummaryId is null ? null : r.Participants,
        r.SummaryId is { } id
            ? new SummaryDto(id, DateOnly.FromDateTime(r.HeldFrom!.Value), DateOnly.FromDateTime(r.HeldTo!.Value), r.ParticipantsEntered, r.Body!,
                r.FiledByName!, Utc(r.FiledAt!.Value), r.UpdatedByName!, Utc(r.UpdatedAt!.Value),
                r.PhotoIds.Select(p => new SummaryPhotoDto(p, $"/api/console/summaries/photos/{p}")).ToList())
            : null);

    /// <summary>Each unit with the activities it answers for (an activity with several units counts for each).</summary>
    public static List<SummaryUnitDto> Units(IReadOnlyList<SummaryActivityRow> rows, IReadOnlyList<SummaryOrganiserRow> organisers) =>
        rows.SelectMany(r => r.Units.Select(u => (Unit: u, Row: r)))
            .GroupBy(x => x.Unit, x => x.Row)
            .Select(g =>
            {
                var list = g.ToList();
                int Sum(Func<SummaryActivityRow, int> f) => list.Sum(f);
                return new SummaryUnitDto(g.Key, list.Count, list.Count(r => r.SummaryId is not null),
                    list.Where(r => r.SummaryId is null).Select(r => new SummaryMissingDto(r.Id, r.Code, r.Title)).ToList(),
                    organisers.Where(o => o.Unit == g.Key).Select(o => new SummaryOrganiserDto(o.DisplayName, o.HasOpenId)).ToList(),
                    Sum(r => r.Sessions), Sum(r => r.Places), Sum(r => r.Signups), Sum(r => r.Checkins),
                    Attendance(Sum(r => r.Signups), Sum(r => r.Checkins)), Sum(r => r.Promotions), Sum(r => r.RemindersDelivered),
                    Sum(r => r.FollowersGained), Sum(r => r.SummaryId is null ? 0 : r.Participants ?? 0));
            })
            .ToList();
}
