using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>
/// Every problem the mini-program's API answers by name, in one place: a stable <c>code</c> and the Chinese a
/// parent reads (docs/api-mp.md lists them). Bad input in general is <see cref="Problems.Validation"/>.
/// </summary>
public static class MpProblems
{
    public static ProblemHttpResult SessionNotFound() => Problems.Problem(404, "session_not_found", "场次不存在");

    public static ProblemHttpResult ChildNotFound() => Problems.Problem(404, "child_not_found", "孩子信息不存在");

    public static ProblemHttpResult SignupNotFound() => Problems.Problem(404, "signup_not_found", "报名记录不存在");

    public static ProblemHttpResult ConsentRequired() =>
        Problems.Problem(403, "consent_required", "需要监护人同意", "请先阅读并同意《儿童个人信息保护说明》。");

    public static ProblemHttpResult TooManyChildren(int max) =>
        Problems.Problem(409, "too_many_children", "孩子数量已达上限", $"每位监护人最多添加 {max} 个孩子。");

    public static ProblemHttpResult ChildHasActiveSignups() =>
        Problems.Problem(409, "child_has_active_signups", "孩子还有进行中的报名", "请先取消该孩子的报名，再删除孩子信息。");

    public static ProblemHttpResult CancelDeadlinePassed() =>
        Problems.Problem(409, "cancel_deadline_passed", "已过取消截止时间", "如确实无法参加，请联系活动主办方。");

    public static ProblemHttpResult AlreadyCheckedIn() => Problems.Problem(409, "already_checked_in", "已签到，无法取消");

    public static ProblemHttpResult NoCheckinCode() => Problems.Problem(409, "no_checkin_code", "暂无签到码", "只有报名成功的孩子才有签到码。");

    /// <summary>
    /// Why a sign-up was refused. Every refusal is named: a new <see cref="SignupOutcome"/> fails the build here
    /// (CS8509) instead of reaching parents as some other problem.
    /// </summary>
#pragma warning disable CS8524 // only a named outcome exists: SignupClaimOutcomes.Parse and the pre-check make nothing else
    public static ProblemHttpResult SignupRefused(SignupOutcome outcome, string? childName, int maxActiveSignups) => outcome switch
    {
        SignupOutcome.Confirmed or SignupOutcome.Waitlisted =>
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "a placed party is not a refusal"),
        SignupOutcome.SessionNotFound => SessionNotFound(),
        SignupOutcome.ConsentRequired => ConsentRequired(),
        SignupOutcome.ProfileRequired => Problems.Problem(400, "profile_required", "请先填写监护人信息", "报名前需要填写监护人姓名和手机号。"),
        SignupOutcome.UserGone => Problems.Problem(401, "session_expired", "登录已过期", "请重新进入小程序登录后再试。"),
        SignupOutcome.ChildNotFound => ChildNotFound(),
        SignupOutcome.SessionCancelled => Problems.Problem(409, "session_cancelled", "该场次已取消"),
        SignupOutcome.SignupNotOpen => Problems.Problem(409, "signup_not_open", "报名尚未开始", "请在报名开始后再来。"),
        SignupOutcome.SignupClosed => Problems.Problem(409, "signup_closed", "报名已截止"),
        SignupOutcome.GradeOutOfRange => Problems.Problem(409, "grade_out_of_range", "年级不符合要求", $"{childName}的年级不在本场次的年级范围内。"),
        SignupOutcome.AgeOutOfRange => Problems.Problem(409, "age_out_of_range", "年龄不符合要求", $"{childName}的年龄不在本场次的年龄范围内。"),
        SignupOutcome.AlreadySignedUp => Problems.Problem(409, "already_signed_up", "已经报过名了", $"{childName}已报名本场次。"),
        SignupOutcome.GuardianLimit => Problems.Problem(409, "guardian_limit", "报名数量已达上限",
            $"每位监护人同时最多保留 {maxActiveSignups} 个进行中的报名。"),
        SignupOutcome.SessionFull => Problems.Problem(409, "session_full", "名额已满", "该场次名额已满，候补名单也已满。"),
    };
#pragma warning restore CS8524

    /// <summary>
    /// The sign-up function answered an outcome this build does not know (<see cref="UnknownSignupOutcomeException"/>,
    /// logged by the batcher): a 500 the parent can act on, since the party may or may not have been placed.
    /// </summary>
    internal sealed class UnknownSignupOutcomeHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not UnknownSignupOutcomeException)
            {
                return false;
            }

            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                Exception = exception,
                ProblemDetails =
                {
                    Status = StatusCodes.Status500InternalServerError,
                    Type = Problems.TypeBase + "signup-outcome-unknown",
                    Title = "报名结果暂时无法确认",
                    Detail = "请在“我的报名”中查看是否已报上；如没有，请稍后再试。",
                    Extensions = { ["code"] = "signup_outcome_unknown" },
                },
            });
        }
    }
}
