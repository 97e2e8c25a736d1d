using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Catalogue;
using WechatKepu.Data.Console;
using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Console;

public static class ConsoleReadApi
{
    public static async Task<Ok<DashboardDto>> DashboardAsync(ConsoleStore store, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok((await store.DashboardAsync(clock.GetUtcNow(), ct)).Adapt<DashboardDto>());

    public static async Task<Results<Ok<SessionDto>, ProblemHttpResult>> SessionAsync(long id, ActivityStore activities, CancellationToken ct) =>
        await activities.GetSessionAsync(id, ct) is { } s ? TypedResults.Ok(s.Adapt<SessionDto>()) : Problems.NotFound("没有找到该场次");

    public static async Task<Results<Ok<List<StaffSignupDto>>, ProblemHttpResult>> SignupsAsync(
        long id, HttpContext http, ConsoleStore store, CancellationToken ct)
    {
        var actor = http.User.Actor();
        if (await ConsoleScope.CheckAsync(store, actor, await store.SessionActivityAsync(id, ct), writing: false, ct) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok((await store.SignupsAsync(id, null, ct)).Select(r => r.ToDto(actor)).ToList());
    }

    public static async Task<Results<Ok<List<SignupEventDto>>, ProblemHttpResult>> EventsAsync(
        long id, HttpContext http, ConsoleStore store, CancellationToken ct)
    {
        if (await ConsoleScope.CheckAsync(store, http.User.Actor(), await store.SessionActivityAsync(id, ct), writing: false, ct) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok((await store.EventsAsync(id, ct)).Adapt<List<SignupEventDto>>());
    }

    public static async Task<Results<Ok<FollowersDto>, ValidationProblem>> FollowersAsync(HttpContext http, ConsoleStore store, CancellationToken ct)
    {
        var q = new QueryReader(http.Request.Query);
        var appId = q.Text("appId", 40);
        var subscribed = q.Bool("subscribed");
        var tag = q.Int("tag", -1, 0, int.MaxValue);
        var text = q.Text("q", 64);
        var page = q.Int("page", 1, 1, 10_000);
        var pageSize = q.Int("pageSize", 50, 1, 200);
        if (q.IsValid && (page - 1) * pageSize >= ConsoleStore.FollowerCountCap)
        {
            q.Fail("page", $"只能翻看前 {ConsoleStore.FollowerCountCap} 位关注者，请用标签、状态或搜索缩小范围");
        }

        if (!q.IsValid)
        {
            return Problems.Validation(q.Errors);
        }

        var found = await store.FollowersAsync(appId, subscribed, tag < 0 ? null : tag, text, page, pageSize, ct);
        return TypedResults.Ok(new FollowersDto(found.Items.Adapt<List<FollowerDto>>(), found.Total, found.TotalCapped, page, pageSize,
            found.Tags.Select(t => new TagCountDto(t.Id, null, t.Followers)).ToList()));
    }
}
