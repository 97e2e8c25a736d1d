using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Catalogue;
using WechatKepu.Data.Console;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Features.MiniProgram;
using WechatKepu.Server.Features.Reminders;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Console;

/// <summary>Creating, changing and cancelling sessions, and checking children in.</summary>
public static class SessionsWriteApi
{
    private static readonly string[] Statuses = ["open", "closed"];

    /// <summary>Checks a session request; missing sign-up window fields default to "from now until the start".</summary>
    internal static (SessionEdit? Edit, Errors Errors) Validate(SessionRequest? r, DateTimeOffset now)
    {
        var errors = new Errors();
        var title = errors.Text("title", r?.Title, "场次名称", 200);
        var venue = errors.Text("venue", r?.Venue, "地点", 200);
        if (r?.StartsAt is not { } starts)
        {
            errors.Add("startsAt", "请填写开始时间");
            starts = default;
        }

        if (r?.EndsAt is not { } ends)
        {
            errors.Add("endsAt", "请填写结束时间");
        }
        else if (ends <= starts)
        {
            errors.Add("endsAt", "结束时间须晚于开始时间");
        }

        if (r?.Capacity is not (>= 0 and <= 100_000))
        {
            errors.Add("capacity", "名额须为 0 到 100000 之间的整数");
        }

        if (r?.WaitlistCapacity is < 0 or > 100_000)
        {
            errors.Add("waitlistCapacity", "候补名额须为 0 到 100000 之间的整数");
        }

        var opens = r?.SignupOpensAt ?? now;
        var closes = r?.SignupClosesAt ?? starts;
        if (closes <= opens && r?.StartsAt is not null && starts <= now)
        {
            // The sign-up window defaults to "now until the start": a start already past is the mistake to name.
            errors.Add("startsAt", $"开始时间 {Data.Shanghai.ToShanghai(starts):yyyy年M月d日 HH:mm} 已经过去，请选择晚于现在的时间");
        }
        else if (closes <= opens)
        {
            errors.Add("signupClosesAt", "报名截止时间须晚于报名开始时间");
        }
        else if (r?.StartsAt is not null && closes > starts)
        {
            errors.Add("signupClosesAt", "报名截止时间不能晚于开始时间");
        }

        if (r?.StartsAt is not null && r.CancelDeadline > starts)
        {
            errors.Add("cancelDeadline", "取消截止时间不能晚于开始时间");
        }

        Range(errors, "minGrade", r?.MinGrade, 0, 12, "年级");
        Range(errors, "maxGrade", r?.MaxGrade, 0, 12, "年级");
        Range(errors, "minAge", r?.MinAge, 0, 18, "年龄");
        Range(errors, "maxAge", r?.MaxAge, 0, 18, "年龄");
        if (r?.MinGrade > r?.MaxGrade)
        {
            errors.Add("maxGrade", "最高年级不能低于最低年级");
        }

        if (r?.MinAge > r?.MaxAge)
        {
            errors.Add("maxAge", "最大年龄不能小于最小年龄");
        }

        var status = r?.Status ?? "open";
        if (!Statuses.Contains(status))
        {
            errors.Add("status", "状态须为 open（开放报名）或 closed（暂停报名）；取消场次请用取消操作");
        }

        if (errors.Any)
        {
            return (null, errors);
        }

        return (new SessionEdit(title!, starts, r!.EndsAt!.Value, venue!, r.Capacity!.Value, r.WaitlistCapacity ?? 0, opens, closes,
            r.CancelDeadline ?? starts, r.MinGrade, r.MaxGrade, r.MinAge, r.MaxAge, status), errors);
    }

    private static void Range(Errors errors, string field, short? value, int min, int max, string label)
    {
        if (value is { } v && (v < min || v > max))
        {
            errors.Add(field, $"{label}须在 {min} 到 {max} 之间");
        }
    }

    public static async Task<Results<Created<SessionDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        long id, SessionRequest? request, HttpContext http, ConsoleStore store, ActivityStore activities, TimeProvider clock, CancellationToken ct)
    {
        var actor = http.User.Actor();
        if (await ConsoleScope.CheckAsync(store, actor, id, writing: true, ct) is { } problem)
        {
            return problem;
        }

        var now = clock.GetUtcNow();
        var (edit, errors) = Validate(request, now);
        if (edit is null)
        {
            return Problems.Validation(errors.All);
        }

        var sessionId = await store.CreateSessionAsync(id, edit, actor, now, ct);
        return TypedResults.Created($"/api/console/sessions/{sessionId}", (await activities.GetSessionAsync(sessionId, ct))!.Adapt<SessionDto>());
    }

    public static async Task<Results<Ok<SessionChangeDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, SessionRequest? request, HttpContext http, ConsoleStore store, ActivityStore activities, TimeProvider clock, CancellationToken ct)
    {
        var actor = http.User.Actor();
        if (await ConsoleScope.CheckAsync(store, actor, await store.SessionActivityAsync(id, ct), writing: true, ct) is { } problem)
        {
            return problem;
        }

        var now = clock.GetUtcNow();
        var (edit, errors) = Validate(MoveDeadlines(request, await activities.GetSessionAsync(id, ct)), now);
        if (edit is null)
        {
            return Problems.Validation(errors.All);
        }

        var change = await store.UpdateSessionAsync(id, edit, actor, now, ct);
        return change.Outcome switch
        {
            SessionChangeOutcome.Done => TypedResults.Ok(new SessionChangeDto((await activities.GetSessionAsync(id, ct))!.Adapt<SessionDto>(), change.Promoted, 0)),
            SessionChangeOutcome.NotFound => Problems.NotFound("没有找到该场次"),
            SessionChangeOutcome.Cancelled => Problems.Problem(409, "session_cancelled", "场次已取消，不能再修改"),
            SessionChangeOutcome.CapacityBelowConfirmed => Problems.Problem(409, "capacity_below_confirmed", "名额不能少于已确认人数",
                $"已有 {change.Affected} 人确认报名；如需减少，请先联系家长取消。"),
            _ => Problems.Problem(409, "waitlist_below_waiting", "候补名额不能少于正在候补的人数", $"当前有 {change.Affected} 人在候补。"),
        };
    }

    /// <summary>
    /// Moving a session moves the sign-up close and cancel deadlines the request leaves as they were by the
    /// same amount, so they keep their distance to the start; deadlines staff changed themselves are theirs
    /// (and refused when after the new start).
    /// </summary>
    internal static SessionRequest? MoveDeadlines(SessionRequest? request, SessionRow? current)
    {
        if (request?.StartsAt is not { } starts || current is null)
        {
            return request;
        }

        var shift = starts - CatalogueMapping.Utc(current.StartsAt);
        if (shift == TimeSpan.Zero)
        {
            return request;
        }

        // The console's inputs hold minutes: a value within the same minute is the stored one, untouched.
        static bool Unchanged(DateTimeOffset? sent, DateTime stored) =>
            sent is { } s && Math.Abs((s - CatalogueMapping.Utc(stored)).TotalMinutes) < 1;

        return request with
        {
            SignupClosesAt = Unchanged(request.SignupClosesAt, current.SignupClosesAt) ? CatalogueMapping.Utc(current.SignupClosesAt) + shift : request.SignupClosesAt,
            CancelDeadline = Unchanged(request.CancelDeadline, current.CancelDeadline) ? CatalogueMapping.Utc(current.CancelDeadline) + shift : request.CancelDeadline,
        };
    }

    public static async Task<Results<Ok<SessionChangeDto>, ValidationProblem, ProblemHttpResult>> CancelAsync(
        long id, CancelSessionRequest? request, HttpContext http, ConsoleStore store, ActivityStore activities, TimeProvider clock, CancellationToken ct)
    {
        var actor = http.User.Actor();
        if (await ConsoleScope.CheckAsync(store, actor, await store.SessionActivityAsync(id, ct), writing: true, ct) is { } problem)
        {
            return problem;
        }

        // The reason is shown to parents in one template field: WeChat displays at most 20 characters of it.
        var errors = new Errors();
        var reason = errors.Text("reason", request?.Reason, "取消原因（微信通知每项只显示 20 个字）", NoticeText.FieldLength, required: false) ?? "";
        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        var change = await store.CancelSessionAsync(id, reason, actor, clock.GetUtcNow(), ct);
        return change.Outcome switch
        {
            SessionChangeOutcome.Done => TypedResults.Ok(new SessionChangeDto((await activities.GetSessionAsync(id, ct))!.Adapt<SessionDto>(), [], change.Affected)),
            SessionChangeOutcome.NotFound => Problems.NotFound("没有找到该场次"),
            _ => Problems.Problem(409, "session_cancelled", "场次已经取消"),
        };
    }

    /// <summary>The sign-up, when it could be checked in but today (Asia/Shanghai) is none of the days its session runs on.</summary>
    private static async Task<StaffSignupRow?> NotTodayAsync(ConsoleStore store, long signupId, DateTimeOffset now, CancellationToken ct)
    {
        static DateOnly Day(DateTimeOffset t) => DateOnly.FromDateTime(Data.Shanghai.ToShanghai(t).DateTime);
        var signup = await store.SignupAsync(signupId, ct);
        var today = Day(now);
        return signup is { Status: SignupStatus.Confirmed } && (today < Day(signup.StartsAt) || today > Day(signup.EndsAt)) ? signup : null;
    }

    /// <summary>Checks in by the code on the parent's phone (scanned or typed). A second scan says when the first was.</summary>
    public static async Task<Results<Ok<CheckinDto>, ValidationProblem, ProblemHttpResult>> CheckInAsync(
        CheckinRequest? request, HttpContext http, ConsoleStore store, CheckinCodes codes, TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request?.Code))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["code"] = ["请扫描或输入签到码"] });
        }

        if (await codes.VerifyAsync(request.Code, ct) is not { } signupId)
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "bad_code", "签到码无效", "请确认签到码是否完整、正确。");
        }

        return await CheckInSignupAsync(signupId, request.Confirm == true, http.User.Actor(), store, clock.GetUtcNow(), ct);
    }

    /// <summary>
    /// Checks the sign-up in (by code, or picked from the event-day list): an organiser only for their unit's sessions; on
    /// a day the session does not run, only with <paramref name="confirm"/> (otherwise the answer is <c>not_today</c>).
    /// </summary>
    public static async Task<Results<Ok<CheckinDto>, ValidationProblem, ProblemHttpResult>> CheckInSignupAsync(
        long signupId, bool confirm, StaffActor actor, ConsoleStore store, DateTimeOffset now, CancellationToken ct)
    {
        if (await ConsoleScope.CheckAsync(store, actor, await store.SignupActivityAsync(signupId, ct), writing: true, ct) is { } problem)
        {
            return problem;
        }

        if (!confirm && await NotTodayAsync(store, signupId, now, ct) is { } other)
        {
            var day = Data.Shanghai.ToShanghai(other.StartsAt);
            return TypedResults.Ok(new CheckinDto("not_today",
                $"{other.ChildName ?? "该儿童"} 报名的场次在 {day:M月d日 HH:mm}，不是今天。确认要签到吗？", other.ToDto(actor)));
        }

        var result = await store.CheckInAsync(signupId, actor, now, ct);
        var signup = result.Signup?.ToDto(actor);
        return result.Outcome switch
        {
            CheckinOutcome.CheckedIn => TypedResults.Ok(new CheckinDto("checked_in", $"{signup!.ChildName ?? "该儿童"} 签到成功", signup)),
            CheckinOutcome.AlreadyCheckedIn => TypedResults.Ok(new CheckinDto("already_checked_in",
                $"{signup!.ChildName ?? "该儿童"} 已于 {Data.Shanghai.ToShanghai(signup.CheckedInAt!.Value):M月d日 HH:mm} 签到过", signup)),
            CheckinOutcome.NotFound => Problems.NotFound("没有找到该报名"),
            CheckinOutcome.SessionCancelled => Problems.Problem(409, "session_cancelled", "该场次已取消"),
            _ => Problems.Problem(409, "not_confirmed", "该报名不是已确认状态，不能签到",
                signup?.Status == "waitlisted" ? "该儿童仍在候补名单中。" : "该报名已取消。"),
        };
    }
}
