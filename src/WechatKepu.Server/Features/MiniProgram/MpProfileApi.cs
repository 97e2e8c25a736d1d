using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>The guardian's profile, the separate consent for children's data, and the children.</summary>
public static partial class MpProfileApi
{
    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex MainlandMobile();

    public static Ok<PrivacyNoticeDto> PrivacyNotice(IOptions<MpOptions> options, IOptions<Privacy.PrivacyOptions> privacy)
    {
        var o = options.Value;
        var days = privacy.Value.PurgeSignupsAfterDays;
        return TypedResults.Ok(new PrivacyNoticeDto(o.PrivacyNoticeVersion, o.PrivacyNotice(days), o.PrivacyController, o.PrivacyContact, days));
    }

    public static async Task<Ok<MeDto>> MeAsync(ClaimsPrincipal user, ParentStore parents, IOptions<MpOptions> options, CancellationToken ct) =>
        TypedResults.Ok(await LoadMeAsync(user.UserId(), parents, options.Value, ct));

    private static async Task<MeDto> LoadMeAsync(long userId, ParentStore parents, MpOptions options, CancellationToken ct)
    {
        var (guardian, consent, children) = await parents.GetProfileAsync(userId, ct);
        return new MeDto(guardian?.Adapt<GuardianDto>(), consent?.Adapt<ConsentDto>(), children.Adapt<List<ChildDto>>(),
            consent?.PrivacyNoticeVersion == options.PrivacyNoticeVersion);
    }

    public static async Task<Results<Ok<MeDto>, ValidationProblem>> SaveGuardianAsync(
        GuardianRequest request, ClaimsPrincipal user, ParentStore parents, TimeProvider clock, IOptions<MpOptions> options, CancellationToken ct)
    {
        var errors = new Errors();
        var name = errors.Text("name", request.Name, "监护人姓名", 30);
        var phone = request.Phone?.Trim().Replace(" ", "").Replace("-", "");
        if (phone is { Length: > 0 } && phone.StartsWith("+86", StringComparison.Ordinal))
        {
            phone = phone[3..];
        }

        if (string.IsNullOrEmpty(phone))
        {
            errors.Add("phone", "请填写手机号");
        }
        else if (!MainlandMobile().IsMatch(phone))
        {
            errors.Add("phone", "请填写正确的 11 位中国大陆手机号");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        await parents.SaveGuardianAsync(user.UserId(), name!, phone!, clock.GetUtcNow(), ct);
        return TypedResults.Ok(await LoadMeAsync(user.UserId(), parents, options.Value, ct));
    }

    public static async Task<Results<Ok<ConsentDto>, ValidationProblem>> ConsentAsync(
        ConsentRequest request, ClaimsPrincipal user, ParentStore parents, TimeProvider clock, IOptions<MpOptions> options, CancellationToken ct)
    {
        var errors = new Errors();
        if (request.PrivacyNoticeVersion != options.Value.PrivacyNoticeVersion)
        {
            errors.Add("privacyNoticeVersion", $"隐私说明已更新（当前版本 {options.Value.PrivacyNoticeVersion}），请阅读最新版本后再同意");
        }

        if (request.Agreed != true)
        {
            errors.Add("agreed", "需要您作为监护人单独同意后，才能填写孩子的信息");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        var consent = await parents.RecordConsentAsync(user.UserId(), options.Value.PrivacyNoticeVersion, clock.GetUtcNow(), ct);
        return TypedResults.Ok(consent.Adapt<ConsentDto>());
    }

    public static async Task<Ok<List<ChildDto>>> ChildrenAsync(ClaimsPrincipal user, ParentStore parents, CancellationToken ct) =>
        TypedResults.Ok((await parents.ChildrenAsync(user.UserId(), ct)).Adapt<List<ChildDto>>());

    public static async Task<Results<Created<ChildDto>, ValidationProblem, ProblemHttpResult>> AddChildAsync(
        ChildRequest request, ClaimsPrincipal user, ParentStore parents, TimeProvider clock, IOptions<MpOptions> options, CancellationToken ct)
    {
        if (!await parents.HasConsentAsync(user.UserId(), options.Value.PrivacyNoticeVersion, ct))
        {
            return MpProblems.ConsentRequired();
        }

        var now = clock.GetUtcNow();
        if (!TryRead(request, now, out var child, out var errors))
        {
            return Problems.Validation(errors);
        }

        var row = await parents.AddChildAsync(user.UserId(), child, options.Value.MaxChildrenPerGuardian, now, ct);
        return row is null
            ? MpProblems.TooManyChildren(options.Value.MaxChildrenPerGuardian)
            : TypedResults.Created($"/api/mp/children/{row.Id}", row.Adapt<ChildDto>());
    }

    public static async Task<Results<Ok<ChildDto>, ValidationProblem, ProblemHttpResult>> UpdateChildAsync(
        long id, ChildRequest request, ClaimsPrincipal user, ParentStore parents, TimeProvider clock, IOptions<MpOptions> options, CancellationToken ct)
    {
        if (!await parents.HasConsentAsync(user.UserId(), options.Value.PrivacyNoticeVersion, ct))
        {
            return MpProblems.ConsentRequired();
        }

        var now = clock.GetUtcNow();
        if (!TryRead(request, now, out var child, out var errors))
        {
            return Problems.Validation(errors);
        }

        var row = await parents.UpdateChildAsync(user.UserId(), id, child, now, ct);
        return row is null ? MpProblems.ChildNotFound() : TypedResults.Ok(row.Adapt<ChildDto>());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteChildAsync(
        long id, ClaimsPrincipal user, ParentStore parents, CancellationToken ct)
    {
        return await parents.DeleteChildAsync(user.UserId(), id, ct) switch
        {
            ParentStore.DeleteChildResult.Deleted => TypedResults.NoContent(),
            ParentStore.DeleteChildResult.HasActiveSignups => MpProblems.ChildHasActiveSignups(),
            ParentStore.DeleteChildResult.NotFound => MpProblems.ChildNotFound(),
            var other => throw new ArgumentOutOfRangeException(nameof(id), other, null),
        };
    }

    private static bool TryRead(ChildRequest request, DateTimeOffset now, out ChildInput child, out IDictionary<string, string[]> errorList)
    {
        var errors = new Errors();
        var name = errors.Text("name", request.Name, "孩子姓名", 30);
        var school = errors.Text("school", request.School, "学校", 60);
        short? grade = null;
        if (!string.IsNullOrWhiteSpace(request.Grade))
        {
            grade = MpMapping.GradeIndex(request.Grade.Trim());
            if (grade is null)
            {
                errors.Add("grade", "年级应为 幼儿园、一年级…九年级、高一、高二、高三 之一");
            }
        }

        DateOnly? birth = null;
        if (!string.IsNullOrWhiteSpace(request.BirthYearMonth))
        {
            if (DateOnly.TryParseExact(request.BirthYearMonth.Trim() + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var b)
                && b.Year >= now.Year - 19 && b <= DateOnly.FromDateTime(now.UtcDateTime))
            {
                birth = b;
            }
            else
            {
                errors.Add("birthYearMonth", "出生年月应为 yyyy-MM 格式，例如 2015-06，且孩子应未满 19 岁");
            }
        }

        if (string.IsNullOrWhiteSpace(request.Grade) && string.IsNullOrWhiteSpace(request.BirthYearMonth))
        {
            errors.Add("grade", "请填写年级或出生年月");
        }

        var gender = request.Gender?.Trim();
        if (!string.IsNullOrEmpty(gender) && gender is not ("male" or "female"))
        {
            errors.Add("gender", "性别应为 male 或 female，也可以不填");
        }

        child = new ChildInput(name ?? "", grade, birth, school ?? "", string.IsNullOrEmpty(gender) ? null : gender);
        errorList = errors.All;
        return !errors.Any;
    }
}
