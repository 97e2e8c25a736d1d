using Microsoft.AspNetCore.Http.HttpResults;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Staff;

public sealed record UnitDto(string Name, int Activities, bool Added);

public sealed record UnitRequest(string? Name);

/// <summary>
/// The units staff accounts choose from: every unit the activities name (the plan's first) and those an admin
/// added. An organiser's unit must be one of them, spelt so, or the organiser would see no activities.
/// </summary>
public static class UnitsApi
{
    public static void MapUnitsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/console/units").WithTags("Console").RequireAuthorization(StaffPolicies.Viewer).MapGet("", ListAsync);
        app.MapGroup("/api/console/units").WithTags("Console").RequireAuthorization(StaffPolicies.Admin).RequireAntiforgeryToken()
            .MapPost("", AddAsync).WithSummary("Adds a unit that no activity names yet (admins)");
    }

    private static async Task<Ok<List<UnitDto>>> ListAsync(UnitStore units, CancellationToken ct) =>
        TypedResults.Ok((await units.ListAsync(ct)).Select(u => new UnitDto(u.Name, u.Activities, u.Added)).ToList());

    private static async Task<Results<Created<UnitDto>, ValidationProblem, ProblemHttpResult>> AddAsync(
        UnitRequest? request, HttpContext http, UnitStore units, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Errors();
        var name = errors.Text("name", request?.Name, "单位名称", 60);
        if (name is null)
        {
            return Problems.Validation(errors.All);
        }

        var actor = http.User.Actor();
        return await units.AddAsync(name, actor.Id, actor.Name, clock.GetUtcNow(), ct)
            ? TypedResults.Created("/api/console/units", new UnitDto(name, 0, true))
            : Problems.Problem(StatusCodes.Status409Conflict, "unit_exists", "单位已在列表中", $"“{name}”已经可以选择。");
    }

    /// <summary>A validation problem naming <c>unit</c> when it is given and not on the list; null when it is fine.</summary>
    public static async Task<ValidationProblem?> CheckAsync(UnitStore units, string? unit, CancellationToken ct) =>
        unit is null || await units.ExistsAsync(unit, ct)
            ? null
            : Problems.Validation(new Dictionary<string, string[]>
            {
                ["unit"] = [$"“{unit}”不在单位列表中：请从列表中选择（名称须与活动方案一致），列表中没有的单位请管理员先添加"],
            });
}
