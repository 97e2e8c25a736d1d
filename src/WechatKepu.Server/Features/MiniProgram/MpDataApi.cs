using System.Security.Claims;
using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

public sealed record PersonalDataDto(
    string OpenId, DateTimeOffset RegisteredAt, GuardianDto? Guardian, IReadOnlyList<ConsentDto> Consents,
    IReadOnlyList<ChildDto> Children, IReadOnlyList<SignupDto> Signups, IReadOnlyList<GrantDto> SubscribeGrants);

/// <summary>A guardian sees everything we hold about them and their children, and can erase it.</summary>
public static class MpDataApi
{
    public static async Task<Results<Ok<PersonalDataDto>, ProblemHttpResult>> ExportAsync(
        ClaimsPrincipal user, PersonalDataStore data, CheckinCodes codes, CancellationToken ct)
    {
        var export = await data.ExportAsync(user.UserId(), ct);
        return export is null
            ? Problems.NotFound("没有数据")
            : TypedResults.Ok(new PersonalDataDto(export.OpenId, new DateTimeOffset(export.RegisteredAt, TimeSpan.Zero),
                export.Guardian?.Adapt<GuardianDto>(), export.Consents.Adapt<List<ConsentDto>>(),
                export.Children.Adapt<List<ChildDto>>(), await MpSignupsApi.ToDtosAsync(export.Signups, codes, ct),
                export.SubscribeGrants.Adapt<List<GrantDto>>()));
    }

    public static async Task<NoContent> EraseAsync(
        ClaimsPrincipal user, PersonalDataStore data, MpSessionCache sessions, TimeProvider clock, CancellationToken ct)
    {
        await data.EraseAsync(user.UserId(), clock.GetUtcNow(), ct);
        sessions.Forget(user.UserId()); // here at once; other instances when the erase's notification arrives
        return TypedResults.NoContent();
    }
}
