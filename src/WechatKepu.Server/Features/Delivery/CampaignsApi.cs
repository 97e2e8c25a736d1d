using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Console;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Console;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Delivery;

public sealed record CampaignDto(long Id, string Kind, string Title, string Status, bool Urgent, DateTimeOffset SendAfter, int Total,
    string? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, DateTimeOffset? CancelledAt);

public sealed record CampaignReportDto(CampaignDto Campaign, IReadOnlyDictionary<string, int> ByStatus, IReadOnlyList<OutcomeCount> Counts,
    IReadOnlyList<DeliveryFailure> Failures, int UnmatchedReceipts);

/// <summary>Staff read what went out and what failed, and may stop a campaign that has not finished.</summary>
public static class CampaignsApi
{
    private static readonly HashSet<string> Kinds =
        [CampaignKinds.SessionReminder, CampaignKinds.WaitlistPromoted, CampaignKinds.SessionCancelled, CampaignKinds.TopicRound, CampaignKinds.Broadcast];

    private static readonly HashSet<string> Statuses = ["active", "completed", "cancelled"];

    public static IEndpointRouteBuilder MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/console/campaigns").RequireAuthorization(StaffPolicies.Viewer).WithTags("Delivery");
        read.MapGet("/", ListAsync);
        read.MapGet("/{id:long}/report", ReportAsync);
        app.MapGroup("/api/console/campaigns").RequireAuthorization(StaffPolicies.Organiser).RequireAntiforgeryToken().WithTags("Delivery")
            .AuditWrites("campaign").MapPost("/{id:long}/cancel", CancelAsync);
        return app;
    }

    public static async Task<Results<Ok<List<CampaignDto>>, ValidationProblem>> ListAsync(
        string? kind, string? status, int? limit, DeliveryEngine engine, CancellationToken ct)
    {
        var errors = new Errors();
        if (kind is not null && !Kinds.Contains(kind))
        {
            errors.Add("kind", "未知的推送类型");
        }

        if (status is not null && !Statuses.Contains(status))
        {
            errors.Add("status", "状态应为 active、completed 或 cancelled");
        }

        if (limit is < 1 or > 500)
        {
            errors.Add("limit", "limit 应在 1 到 500 之间");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        var rows = await engine.ListAsync(kind, status, limit ?? 100, ct);
        return TypedResults.Ok(rows.Select(Dto).ToList());
    }

    public static async Task<Results<Ok<CampaignReportDto>, ProblemHttpResult>> ReportAsync(
        long id, HttpContext http, DeliveryEngine engine, CancellationToken ct)
    {
        var report = await engine.ReportAsync(id, 1000, ct);
        return report is null
            ? Problems.NotFound("没有找到该推送")
            : TypedResults.Ok(new CampaignReportDto(Dto(report.Campaign),
                report.Counts.GroupBy(c => c.Status).ToDictionary(g => g.Key, g => g.Sum(c => c.Count)), report.Counts,
                Failures(http.User.Actor(), report.Failures), report.UnmatchedReceipts));
    }

    /// <summary>The failures as the staff member may see them: openids whole for admins only.</summary>
    public static IReadOnlyList<DeliveryFailure> Failures(StaffActor actor, IReadOnlyList<DeliveryFailure> failures) =>
        actor.IsAdmin ? failures : failures.Select(f => f with { OpenId = ConsoleScope.OpenId(actor, f.OpenId) }).ToList();

    public static async Task<Results<NoContent, ProblemHttpResult>> CancelAsync(
        long id, HttpContext http, DeliveryEngine engine, ConsoleStore console, IEnumerable<ICampaignsEnded> ended, TimeProvider clock, CancellationToken ct)
    {
        // A campaign is its session's, its topic's or its broadcast's audience's: an organiser stops their unit's only.
        if (await console.CampaignActivityAsync(id, ct) is not { } linked)
        {
            return Problems.NotFound("没有找到该推送");
        }

        if (await ConsoleScope.CheckLinkedAsync(console, http.User.Actor(), linked.ActivityId, ct) is { } problem)
        {
            return problem;
        }

        if (await engine.CancelCampaignAsync(id, clock.GetUtcNow(), ct))
        {
            foreach (var handler in ended)
            {
                await handler.CampaignsEndedAsync(clock.GetUtcNow(), ct);
            }

            return TypedResults.NoContent();
        }

        return await engine.ReportAsync(id, 0, ct) is null
            ? Problems.NotFound("没有找到该推送")
            : Problems.Problem(StatusCodes.Status409Conflict, "campaign_finished", "推送已结束", "已完成或已取消的推送不能再取消");
    }

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    private static CampaignDto Dto(CampaignRow c) =>
        new(c.Id, c.Kind, c.Title, c.Status, c.Urgent, Utc(c.SendAfter), c.Total, c.CreatedBy, Utc(c.CreatedAt),
            c.CompletedAt is { } done ? Utc(done) : null, c.CancelledAt is { } cancelled ? Utc(cancelled) : null);
}
