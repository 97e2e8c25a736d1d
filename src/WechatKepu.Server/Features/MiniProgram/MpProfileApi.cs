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
            return ConsentRequired();
        }

        var now = clock.GetUtcNow();
        if (!TryRead(request, now, out var child, out var errors))
        {
            return Problems.Validation(errors);
        }

        var row = await parents.AddChildAsync(user.UserId(), child, options.Value.MaxChildrenPerGuardian, now, ct);
        return row is null
            ? Problems.Problem(409, "too_many_children", "孩子数量已达上限", $"每位监护人最多添加 {options.Value.MaxChildrenPerGuardian} 个孩子。")
            : TypedResults.Created($"/api/mp/children/{row.Id}", row.Adapt<ChildDto>());
    }

    public static async Task<Results<Ok<ChildDto>, ValidationProblem, ProblemHttpResult>> UpdateChildAsync(
        string id, ChildRequest request, ClaimsPrincipal user, ParentStore parents, TimeProvider clock, IOptions<MpOptions> options, CancellationToken ct)
    {
        if (MpApi.Id(id) is not { } childId)
        {
            return Problems.BadId();
        }

        if (!await parents.HasConsentAsync(user.UserId(), options.Value.PrivacyNoticeVersion, ct))
        {
            return ConsentRequired();
        }

        var now = clock.GetUtcNow();
        if (!TryRead(request, now, out var child, out var errors))
        {
            return Problems.Validation(errors);
        }

        var row = await parents.UpdateChildAsync(user.UserId(), childId, child, now, ct);
        return row is null ? ChildNotFound() : TypedResults.Ok(row.Adapt<ChildDto>());
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteChildAsync(
        string id, ClaimsPrincipal user, ParentStore parents, CancellationToken ct)
    {
        if (MpApi.Id(id) is not { } childId)
        {
            return Problems.BadId();
        }

        return await parents.DeleteChildAsync(user.UserId(), childId, ct) switch
        {
            ParentStore.DeleteChildResult.Deleted => TypedResults.NoContent(),
            ParentStore.DeleteChildResult.HasActiveSignups => Problems.Problem(409, "child_has_active_signups",
                "孩子还有进行中的报名", "请先取消该孩子的报名，再删除孩子信息。"),
            _ => ChildNotFound(),
        };
    }

    public static ProblemHttpResult ConsentRequired() =>
        Problems.Problem(403, "consent_required", "需要监护人同意", "请先阅读并同意《儿童个人信息保护说明》。");

    public static ProblemHttpResult ChildNotFound() => Problems.Problem(404, "child_not_found", "孩子信息不存在");

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
