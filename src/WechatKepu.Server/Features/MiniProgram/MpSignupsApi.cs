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
        long id, SignupRequest request, ClaimsPrincipal user, SignupStore signups,
        CheckinCodes codes, TimeProvider clock, IOptions<MpOptions> options, CancellationToken ct)
    {
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
        var result = await signups.SignUpAsync(user.UserId(), id, childIds, limits, clock.GetUtcNow(), ct);
        KepuMetrics.Signup(result.Outcome.ToString());
        return result.Outcome is SignupOutcome.Confirmed or SignupOutcome.Waitlisted
            ? TypedResults.Created("/api/mp/signups", new SignupOutcomeDto(result.Outcome == SignupOutcome.Confirmed ? "confirmed" : "waitlisted",
                await ToDtosAsync(result.Signups, codes, ct)))
            : MpProblems.SignupRefused(result.Outcome, result.ChildName, options.Value.MaxActiveSignupsPerGuardian);
    }

    public static async Task<Ok<List<SignupDto>>> ListAsync(ClaimsPrincipal user, SignupStore signups, CheckinCodes codes, CancellationToken ct) =>
        TypedResults.Ok(await ToDtosAsync(await signups.ListAsync(user.UserId(), null, null, ct), codes, ct));

    public static async Task<Results<Ok<SignupDto>, ProblemHttpResult>> CancelAsync(
        long id, ClaimsPrincipal user, SignupStore signups, CheckinCodes codes, TimeProvider clock, CancellationToken ct)
    {
        var result = await signups.CancelAsync(user.UserId(), id, clock.GetUtcNow(), ct);
        return result.Outcome switch
        {
            CancelOutcome.Cancelled => TypedResults.Ok((await ToDtosAsync([result.Signup!], codes, ct))[0]),
            CancelOutcome.DeadlinePassed => MpProblems.CancelDeadlinePassed(),
            CancelOutcome.AlreadyCheckedIn => MpProblems.AlreadyCheckedIn(),
            CancelOutcome.NotFound => MpProblems.SignupNotFound(),
            _ => throw new ArgumentOutOfRangeException(nameof(result), result.Outcome, null),
        };
    }

    public static async Task<Results<Ok<CheckinCodeDto>, ProblemHttpResult>> CheckinCodeAsync(
        long id, ClaimsPrincipal user, SignupStore signups, CheckinCodes codes, CancellationToken ct)
    {
        var (code, problem) = await CodeForAsync(id, user, signups, codes, ct);
        return code is null ? problem! : TypedResults.Ok(new CheckinCodeDto(code));
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> CheckinPngAsync(
        long id, ClaimsPrincipal user, SignupStore signups, CheckinCodes codes, CancellationToken ct)
    {
        var (code, problem) = await CodeForAsync(id, user, signups, codes, ct);
        return code is null ? problem! : TypedResults.File(CheckinCodes.QrPng(code), "image/png");
    }

    private static async Task<(string? Code, ProblemHttpResult? Problem)> CodeForAsync(
        long signupId, ClaimsPrincipal user, SignupStore signups, CheckinCodes codes, CancellationToken ct)
    {
        var signup = (await signups.ListAsync(user.UserId(), null, [signupId], ct)).FirstOrDefault();
        if (signup is null)
        {
            return (null, MpProblems.SignupNotFound());
        }

        return signup.Status is SignupStatus.Confirmed or SignupStatus.CheckedIn
            ? (await codes.CreateAsync(signupId, ct), null)
            : (null, MpProblems.NoCheckinCode());
    }

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
