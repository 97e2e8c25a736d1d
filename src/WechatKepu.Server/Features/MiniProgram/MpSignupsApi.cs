using System.Security.Claims;
using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>Signing children up (all or nothing), waiting lists, cancelling, check-in codes.</summary>
public static class MpSignupsApi
{
    public static async Task<Results<Created<SignupOutcomeDto>, ValidationProblem, ProblemHttpResult>> SignUpAsync(
        string id, SignupRequest request, ClaimsPrincipal user, SignupStore signups,
        CheckinCodes codes, TimeProvider clock, IOptions<MpOptions> options, CancellationToken ct)
    {
        if (MpApi.Id(id) is not { } sessionId)
        {
            return Problems.BadId();
        }

        var max = options.Value.MaxChildrenPerSignup;
        if (request.ChildIds is not { Length: > 0 } childIds || childIds.Length > max || childIds.Any(c => c <= 0)
            || childIds.Distinct().Count() != childIds.Length)
        {
            return Problems.Validation(new Dictionary<string, string[]>
            {
                ["childIds"] = [$"请选择 1 到 {max} 个要报名的孩子（不可重复）"],
            });
        }

        var limits = new SignupLimits(options.Value.MaxActiveSignupsPerGuardian, options.Value.PrivacyNoticeVersion);
        var result = await signups.SignUpAsync(user.UserId(), sessionId, childIds, limits, clock.GetUtcNow(), ct);
        var name = result.ChildName;
        KepuMetrics.Signup(result.Outcome.ToString());
        return result.Outcome switch
        {
            SignupOutcome.Confirmed or SignupOutcome.Waitlisted => TypedResults.Created("/api/mp/signups",
                new SignupOutcomeDto(result.Outcome == SignupOutcome.Confirmed ? "confirmed" : "waitlisted",
                    await ToDtosAsync(result.Signups, codes, ct))),
            SignupOutcome.SessionNotFound => MpSessionsApi.SessionNotFound(),
            SignupOutcome.ConsentRequired => MpProfileApi.ConsentRequired(),
            SignupOutcome.ProfileRequired => Problems.Problem(400, "profile_required", "请先填写监护人信息", "报名前需要填写监护人姓名和手机号。"),
            SignupOutcome.UserGone => Problems.Problem(401, "session_expired", "登录已过期", "请重新进入小程序登录后再试。"),
            SignupOutcome.ChildNotFound => MpProfileApi.ChildNotFound(),
            SignupOutcome.SessionCancelled => Problems.Problem(409, "session_cancelled", "该场次已取消"),
            SignupOutcome.SignupNotOpen => Problems.Problem(409, "signup_not_open", "报名尚未开始", "请在报名开始后再来。"),
            SignupOutcome.SignupClosed => Problems.Problem(409, "signup_closed", "报名已截止"),
            SignupOutcome.GradeOutOfRange => Problems.Problem(409, "grade_out_of_range", "年级不符合要求", $"{name}的年级不在本场次的年级范围内。"),
            SignupOutcome.AgeOutOfRange => Problems.Problem(409, "age_out_of_range", "年龄不符合要求", $"{name}的年龄不在本场次的年龄范围内。"),
            SignupOutcome.AlreadySignedUp => Problems.Problem(409, "already_signed_up", "已经报过名了", $"{name}已报名本场次。"),
            SignupOutcome.GuardianLimit => Problems.Problem(409, "guardian_limit", "报名数量已达上限",
                $"每位监护人同时最多保留 {options.Value.MaxActiveSignupsPerGuardian} 个进行中的报名。"),
            _ => Problems.Problem(409, "session_full", "名额已满", "该场次名额已满，候补名单也已满。"),
        };
    }

    public static async Task<Ok<List<SignupDto>>> ListAsync(ClaimsPrincipal user, SignupStore signups, CheckinCodes codes, CancellationToken ct) =>
        TypedResults.Ok(await ToDtosAsync(await signups.ListAsync(user.UserId(), null, null, ct), codes, ct));

    public static async Task<Results<Ok<SignupDto>, ValidationProblem, ProblemHttpResult>> CancelAsync(
        string id, ClaimsPrincipal user, SignupStore signups, CheckinCodes codes, TimeProvider clock, CancellationToken ct)
    {
        if (MpApi.Id(id) is not { } signupId)
        {
            return Problems.BadId();
        }

        var result = await signups.CancelAsync(user.UserId(), signupId, clock.GetUtcNow(), ct);
        return result.Outcome switch
        {
            CancelOutcome.Cancelled => TypedResults.Ok((await ToDtosAsync([result.Signup!], codes, ct))[0]),
            CancelOutcome.DeadlinePassed => Problems.Problem(409, "cancel_deadline_passed", "已过取消截止时间", "如确实无法参加，请联系活动主办方。"),
            CancelOutcome.AlreadyCheckedIn => Problems.Problem(409, "already_checked_in", "已签到，无法取消"),
            _ => SignupNotFound(),
        };
    }

    public static async Task<Results<Ok<CheckinCodeDto>, ValidationProblem, ProblemHttpResult>> CheckinCodeAsync(
        string id, ClaimsPrincipal user, SignupStore signups, CheckinCodes codes, CancellationToken ct)
    {
        if (MpApi.Id(id) is not { } signupId)
        {
            return Problems.BadId();
        }

        var (code, problem) = await CodeForAsync(signupId, user, signups, codes, ct);
        return code is null ? problem! : TypedResults.Ok(new CheckinCodeDto(code));
    }

    public static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> CheckinPngAsync(
        string id, ClaimsPrincipal user, SignupStore signups, CheckinCodes codes, CancellationToken ct)
    {
        if (MpApi.Id(id) is not { } signupId)
        {
            return Problems.BadId();
        }

        var (code, problem) = await CodeForAsync(signupId, user, signups, codes, ct);
        return code is null ? problem! : TypedResults.File(CheckinCodes.QrPng(code), "image/png");
    }

    private static ValidationProblem BadId() => Problems.BadId();

    private static async Task<(string? Code, ProblemHttpResult? Problem)> CodeForAsync(
        long signupId, ClaimsPrincipal user, SignupStore signups, CheckinCodes codes, CancellationToken ct)
    {
        var signup = (await signups.ListAsync(user.UserId(), null, [signupId], ct)).FirstOrDefault();
        if (signup is null)
        {
            return (null, SignupNotFound());
        }

        return signup.Status is SignupStatus.Confirmed or SignupStatus.CheckedIn
            ? (await codes.CreateAsync(signupId, ct), null)
            : (null, Problems.Problem(409, "no_checkin_code", "暂无签到码", "只有报名成功的孩子才有签到码。"));
    }

    public static ProblemHttpResult SignupNotFound() => Problems.Problem(404, "signup_not_found", "报名记录不存在");

    /// <summary>Sign-ups as the parent sees them: a confirmed or checked-in one carries its check-in code.</summary>
    internal static async Task<List<SignupDto>> ToDtosAsync(IReadOnlyList<SignupRow> rows, CheckinCodes codes, CancellationToken ct)
    {
        var list = new List<SignupDto>(rows.Count);
        foreach (var row in rows)
        {
            var code = row.Status is SignupStatus.Confirmed or SignupStatus.CheckedIn ? await codes.CreateAsync(row.Id, ct) : null;
            list.Add(row.Adapt<SignupDto>() with { CheckinCode = code });
        }

        return list;
    }
}
