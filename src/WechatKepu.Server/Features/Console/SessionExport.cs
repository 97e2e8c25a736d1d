using ClosedXML.Excel;
using Microsoft.AspNetCore.Http.HttpResults;
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

    public static readonly string[] Headers =
        ["活动", "场次", "开始时间", "儿童姓名", "年级", "出生年月", "性别", "学校", "监护人", "联系电话", "状态", "候补顺位", "报名时间", "转正时间", "签到时间"];

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

        var rows = (await store.SignupsAsync(sessionId, activityId, ct)).Select(r => r.ToDto(actor)).ToList();
        var now = clock.GetUtcNow();
        var bytes = Write(rows);
        var target = sessionId is not null ? $"session:{sessionId}" : $"activity:{activityId}";
        await audit.WriteAsync(actor.Id, actor.Name, sessionId is not null ? "export.session" : "export.activity", target,
            new { rows = rows.Count, fullPhones = actor.IsAdmin }, now, ct);
        var name = $"报名名单-{(sessionId is not null ? "场次" + sessionId : "活动" + activityId)}-{Shanghai.ToShanghai(now):yyyyMMdd-HHmm}.xlsx";
        return TypedResults.File(bytes, ContentType, name);
    }

    private static byte[] Write(IReadOnlyList<StaffSignupDto> rows)
    {
        using var book = new XLWorkbook();
        var sheet = book.Worksheets.Add("报名名单");
        for (var c = 0; c < Headers.Length; c++)
        {
            sheet.Cell(1, c + 1).Value = Headers[c];
        }

        sheet.Row(1).Style.Font.Bold = true;
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            object?[] values =
            [
                r.ActivityTitle, r.SessionTitle, Local(r.StartsAt), r.ChildName ?? "（已删除）", r.Grade, r.BirthYearMonth,
                GenderName(r.Gender), r.School, r.GuardianName,
                r.Phone, StatusNames.GetValueOrDefault(r.Status, r.Status), r.WaitlistPosition, Local(r.CreatedAt),
                Local(r.PromotedAt), Local(r.CheckedInAt),
            ];
            for (var c = 0; c < values.Length; c++)
            {
                var cell = sheet.Cell(i + 2, c + 1);
                switch (values[c])
                {
                    case DateTime t:
                        cell.Value = t;
                        cell.Style.DateFormat.Format = "yyyy-mm-dd hh:mm";
                        break;
                    case int n:
                        cell.Value = n;
                        break;
                    case string text:
                        // Text stays text: a phone number must not become a number in scientific notation.
                        cell.SetValue(text);
                        cell.DataType = XLDataType.Text;
                        break;
                }
            }
        }

        sheet.SheetView.FreezeRows(1);
        for (var c = 1; c <= Headers.Length; c++)
        {
            sheet.Column(c).Width = c is 1 or 2 or 8 ? 28 : c is 6 or 7 ? 10 : 16;
        }

        using var stream = new MemoryStream();
        book.SaveAs(stream);
        return stream.ToArray();
    }

    /// <summary>Excel has no time zones: cells hold the Asia/Shanghai wall-clock time, as the header says.</summary>
    private static DateTime? Local(DateTimeOffset? t) => t is { } v ? Shanghai.ToShanghai(v).DateTime : null;
}
