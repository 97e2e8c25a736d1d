using WechatKepu.Data.Console;
using WechatKepu.Server.Features.Staff;

namespace WechatKepu.Server.Features.Console;

/// <summary>
/// The staff console's API under <c>/api/console</c> (activities, sessions, sign-ups, exports, check-in). Reads need
/// any staff role, writes the organiser policy and an antiforgery token; organisers change only the
/// activities of their own unit.
/// </summary>
public static class ConsoleApi
{
    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<SampleRemoval>> RemoveSampleSessionsAsync(
        HttpContext http, ConsoleStore store, TimeProvider clock, CancellationToken ct) =>
        TypedResults.Ok(await store.RemoveSampleSessionsAsync(http.User.Actor(), clock.GetUtcNow(), ct));

    public static IEndpointRouteBuilder MapConsoleApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(StaffPolicies.Viewer);
        read.MapGet("/dashboard", ConsoleReadApi.DashboardAsync);
        read.MapActivitySearch();
        read.MapGet("/sessions/{id:long}", ConsoleReadApi.SessionAsync);
        read.MapGet("/sessions/{id:long}/signups", ConsoleReadApi.SignupsAsync);
        read.MapGet("/sessions/{id:long}/events", ConsoleReadApi.EventsAsync);
        read.MapGet("/followers", ConsoleReadApi.FollowersAsync);

        var write = app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(StaffPolicies.Organiser);
        write.MapGet("/sessions/{id:long}/export.xlsx", SessionExport.SessionAsync).WithSummary("The session's sign-ups as .xlsx (logged)");
        write.MapGet("/activities/{id:long}/export.xlsx", SessionExport.ActivityAsync).WithSummary("Every sign-up of the activity as .xlsx (logged)");
        write.MapActivityFiling();
        var guarded = write.MapGroup("").RequireAntiforgeryToken();
        guarded.MapPost("/activities", ActivitiesWriteApi.CreateAsync).WithSummary("Create an activity (organisers: one their unit takes part in)");
        guarded.MapPut("/activities/{id:long}", ActivitiesWriteApi.UpdateAsync);
        guarded.MapPost("/activities/{id:long}/sessions", SessionsWriteApi.CreateAsync);
        guarded.MapPut("/sessions/{id:long}", SessionsWriteApi.UpdateAsync);
        guarded.MapPost("/sessions/{id:long}/cancel", SessionsWriteApi.CancelAsync);
        guarded.MapPost("/checkin", SessionsWriteApi.CheckInAsync);

        app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(StaffPolicies.Admin).RequireAntiforgeryToken()
            .MapPost("/sample-sessions/remove", RemoveSampleSessionsAsync)
            .WithSummary("Removes every sample session of the seeded catalogue (admins): deleted if nobody signed up, else cancelled with notices");

        return app;
    }
}
