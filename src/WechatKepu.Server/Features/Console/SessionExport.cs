using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using MiniExcelLibs;
using MiniExcelLibs.Attributes;
using MiniExcelLibs.OpenXml;
using WechatKepu.Data;
using WechatKepu.Data.Console;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Features.Staff;

namespace WechatKepu.Server.Features.Console;

/// <summary>
/// Sign-ups to Excel (.xlsx): times in Asia/Shanghai, phones masked unless the caller is an admin,
/// every export recorded in the audit log with what it contained.
/// </summary>
public sealed class SessionExport(ConsoleStore store, AuditLog audit, TimeProvider clock)
{
    private const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public const string SheetName = "报名名单";

    private const string DateTimeFormat = "yyyy-mm-dd hh:mm";

    /// <summary>The header row stays in view while staff scroll.</summary>
    private static readonly OpenXmlConfiguration Layout = new() { FreezeRowCount = 1 };

    private static string? GenderName(string? gender) => gender switch { "male" => "男", "female" => "女", _ => null };

    private static readonly Dictionary<string, string> StatusNames = new()
    {
        ["confirmed"] = "已确认", ["waitlisted"] = "候补中", ["cancelled"] = "已取消", ["checked_in"] = "已签到",
    };

    public static Task<Results<FileContentHttpResult, ProblemHttpResult>> SessionAsync(long id, HttpContext http, SessionExport export, CancellationToken ct) =>
        export.ExportAsync(http.User.Actor(), sessionId: id, activityId: null, ct);

    public static Task<Results<FileContentHttpResult, ProblemHttpResult>> ActivityAsync(long id, HttpContext http, SessionExport export, CancellationToken ct) =>
        export.ExportAsync(http.User.Actor(), sessionId: null, activityId: id, ct);

    private async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(StaffActor actor, long? sessionId, long? activityId, CancellationToken ct)
    {
        var owner = sessionId is { } s ? await store.SessionActivityAsync(s, ct) : activityId;
        if (await ConsoleScope.CheckAsync(store, actor, owner, writing: true, ct) is { } problem)
        {
            return problem;
        }

        var count = 0;
        var lines = Lines(store.StreamSignupsAsync(sessionId, activityId, ct), actor, () => count++, ct);
        using var stream = new MemoryStream();
        await stream.SaveAsAsync(lines, sheetName: SheetName, configuration: Layout, cancellationToken: ct);
        var now = clock.GetUtcNow();
        var target = sessionId is not null ? $"session:{sessionId}" : $"activity:{activityId}";
        await audit.WriteAsync(actor.Id, actor.Name, sessionId is not null ? "export.session" : "export.activity", target,
            new { rows = count, fullPhones = actor.IsAdmin }, now, ct);
        var name = $"报名名单-{(sessionId is not null ? "场次" + sessionId : "活动" + activityId)}-{Shanghai.ToShanghai(now):yyyyMMdd-HHmm}.xlsx";
        return TypedResults.File(stream.ToArray(), ContentType, name);
    }

    /// <summary>The sheet's rows as they come from the database: one sign-up at a time, never the whole list in memory.</summary>
    private static async IAsyncEnumerable<Line> Lines(
        IAsyncEnumerable<StaffSignupRow> rows, StaffActor actor, Action counted, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in rows.WithCancellation(ct))
        {
            counted();
            var r = row.ToDto(actor);
            yield return new Line
            {
                Activity = r.ActivityTitle, Session = r.SessionTitle, StartsAt = Local(r.StartsAt), Child = r.ChildName ?? "（已删除）",
                Grade = r.Grade, BirthYearMonth = r.BirthYearMonth, Gender = GenderName(r.Gender), School = r.School, Guardian = r.GuardianName,
                Phone = r.Phone, Status = StatusNames.GetValueOrDefault(r.Status, r.Status), WaitlistPosition = r.WaitlistPosition,
                CreatedAt = Local(r.CreatedAt), PromotedAt = Local(r.PromotedAt), CheckedInAt = Local(r.CheckedInAt),
            };
        }
    }

    /// <summary>
    /// One row of the sheet; the properties' order is the columns' order. Times are Excel dates (not text) so staff can sort
    /// and filter them; every text, a phone number included, stays text.
    /// </summary>
    private sealed class Line
    {
        [ExcelColumnName("活动"), ExcelColumnWidth(28)] public string Activity { get; init; } = "";
        [ExcelColumnName("场次"), ExcelColumnWidth(28)] public string Session { get; init; } = "";
        [ExcelColumnName("开始时间"), ExcelColumnWidth(16), ExcelFormat(DateTimeFormat)] public DateTime? StartsAt { get; init; }
        [ExcelColumnName("儿童姓名"), ExcelColumnWidth(16)] public string Child { get; init; } = "";
        [ExcelColumnName("年级"), ExcelColumnWidth(16)] public string? Grade { get; init; }
        [ExcelColumnName("出生年月"), ExcelColumnWidth(10)] public string? BirthYearMonth { get; init; }
        [ExcelColumnName("性别"), ExcelColumnWidth(10)] public string? Gender { get; init; }
        [ExcelColumnName("学校"), ExcelColumnWidth(28)] public string? School { get; init; }
        [ExcelColumnName("监护人"), ExcelColumnWidth(16)] public string? Guardian { get; init; }
        [ExcelColumnName("联系电话"), ExcelColumnWidth(16)] public string? Phone { get; init; }
        [ExcelColumnName("状态"), ExcelColumnWidth(16)] public string Status { get; init; } = "";
        [ExcelColumnName("候补顺位"), ExcelColumnWidth(16)] public int? WaitlistPosition { get; init; }
        [ExcelColumnName("报名时间"), ExcelColumnWidth(16), ExcelFormat(DateTimeFormat)] public DateTime? CreatedAt { get; init; }
        [ExcelColumnName("转正时间"), ExcelColumnWidth(16), ExcelFormat(DateTimeFormat)] public DateTime? PromotedAt { get; init; }
        [ExcelColumnName("签到时间"), ExcelColumnWidth(16), ExcelFormat(DateTimeFormat)] public DateTime? CheckedInAt { get; init; }
    }

    /// <summary>Excel has no time zones: cells hold the Asia/Shanghai wall-clock time, as the header says.</summary>
    private static DateTime? Local(DateTimeOffset? t) => t is { } v ? Shanghai.ToShanghai(v).DateTime : null;
}
