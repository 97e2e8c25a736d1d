using Mapster;
using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Catalogue;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Catalogue;

/// <summary>The public catalogue: the campaign's activities and their sessions with places left.</summary>
public static class CatalogueApi
{
    internal static readonly IReadOnlyDictionary<string, string> CategoryNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["主场活动"] = "主场活动", ["main"] = "主场活动",
        ["重点活动"] = "重点活动", ["key"] = "重点活动",
        ["各单位特色活动"] = "各单位特色活动", ["unit"] = "各单位特色活动",
        ["系列联合行动"] = "系列联合行动", ["joint"] = "系列联合行动",
    };

    public static IEndpointRouteBuilder MapCatalogueApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/activities").WithTags("Catalogue");
        group.MapGet("/", ListAsync).WithName("ListActivities")
            .WithSummary("活动列表：按类别、月份、区县、关键词筛选，含尚未结束的场次及剩余名额");
        group.MapGet("/{id:long}", GetAsync).WithName("GetActivity").WithSummary("活动详情及全部场次");
        return app;
    }

    /// <summary>
    /// <c>GET /api/activities?category=&amp;month=yyyy-MM&amp;district=&amp;q=&amp;signup=&amp;page=&amp;pageSize=</c>
    /// </summary>
    public static async Task<Results<Ok<PageDto<ActivityDto>>, ValidationProblem>> ListAsync(
        HttpRequest request, ActivityStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        var q = new QueryReader(request.Query);
        var query = new ActivityQuery(
            Category: q.OneOf("category", CategoryNames),
            Month: q.Month("month"),
            District: q.Text("district", 50),
            Text: q.Text("q", 100),
            AcceptsSignups: q.Bool("signup"),
            Page: q.Int("page", 1, 1, 10_000),
            PageSize: q.Int("pageSize", 20, 1, 100));
        if (!q.IsValid)
        {
            return Problems.Validation(q.Errors);
        }

        var page = await store.SearchAsync(query, cancellationToken);
        var sessions = await store.SessionsForAsync(page.Items.Select(a => a.Id).ToList(), clock.GetUtcNow(), cancellationToken);
        var items = page.Items.Select(a => ToDto(a, sessions[a.Id])).ToList();
        return TypedResults.Ok(new PageDto<ActivityDto>(items, page.Total, query.Page, query.PageSize));
    }

    /// <summary><c>GET /api/activities/{id}</c>: the activity with all of its sessions.</summary>
    public static async Task<Results<Ok<ActivityDto>, ProblemHttpResult>> GetAsync(
        long id, ActivityStore store, CancellationToken cancellationToken)
    {
        var activity = await store.GetAsync(id, cancellationToken);
        if (activity is null)
        {
            return Problems.NotFound("活动不存在", $"没有编号为 {id} 的活动");
        }

        var sessions = await store.SessionsForAsync([id], null, cancellationToken);
        return TypedResults.Ok(ToDto(activity, sessions[id]));
    }

    private static ActivityDto ToDto(ActivityRow activity, IEnumerable<SessionRow> sessions) =>
        activity.Adapt<ActivityDto>() with { Sessions = sessions.Select(s => s.Adapt<SessionDto>()).ToList() };
}
