using Mapster;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Catalogue;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>Sessions as a parent sees them: places left, waiting list, and (signed in) their own status.</summary>
public static class MpSessionsApi
{
    public static async Task<Results<Ok<MpSessionPageDto>, ValidationProblem>> ListAsync(
        HttpContext http, ActivityStore store, SignupStore signups, TimeProvider clock, CancellationToken ct)
    {
        var q = new QueryReader(http.Request.Query);
        var activityId = q.Int("activityId", 0, 1, int.MaxValue);
        var from = q.Instant("from") ?? clock.GetUtcNow();
        var page = q.Int("page", 1, 1, 10_000);
        var pageSize = q.Int("pageSize", 20, 1, 100);
        if (!q.IsValid)
        {
            return Problems.Validation(q.Errors);
        }

        var (rows, hasMore) = await store.ListSessionsAsync(activityId == 0 ? null : activityId, from, page, pageSize, ct);
        var items = await WithMyStatusAsync(http, rows, signups, ct);
        return TypedResults.Ok(new MpSessionPageDto(items, hasMore, page, pageSize));
    }

    public static async Task<Results<Ok<SessionDto>, ProblemHttpResult>> GetAsync(
        long id, HttpContext http, ActivityStore store, SignupStore signups, CancellationToken ct)
    {
        var row = await store.GetSessionAsync(id, ct);
        return row is null
            ? MpProblems.SessionNotFound()
            : TypedResults.Ok((await WithMyStatusAsync(http, [row], signups, ct))[0]);
    }


    private static async Task<IReadOnlyList<SessionDto>> WithMyStatusAsync(
        HttpContext http, IReadOnlyList<SessionRow> rows, SignupStore signups, CancellationToken ct)
    {
        var dtos = rows.Select(r => r.Adapt<SessionDto>()).ToList();
        var auth = await http.AuthenticateAsync(MpAuthentication.SchemeName);
        if (!auth.Succeeded || dtos.Count == 0)
        {
            return dtos;
        }

        var mine = (await signups.ListAsync(auth.Principal.UserId(), dtos.Select(d => d.Id).ToArray(), null, ct))
            .Where(s => s.Status != SignupStatus.Cancelled && s.ChildId is not null)
            .ToLookup(s => s.SessionId);
        return dtos.Select(d => d with
        {
            MyStatus = mine[d.Id].Select(s => new MySessionStatus(s.ChildId!.Value, s.Id, s.Status, s.WaitlistPosition)).ToList(),
        }).ToList();
    }
}
