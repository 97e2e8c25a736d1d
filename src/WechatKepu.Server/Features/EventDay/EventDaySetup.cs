using WechatKepu.Data.Console;
using WechatKepu.Server.Features.Staff;

namespace WechatKepu.Server.Features.EventDay;

public static class EventDaySetup
{
    /// <summary>The event day's store (the day's sessions with their counts).</summary>
    public static IServiceCollection AddEventDay(this IServiceCollection services) => services.AddSingleton<EventDayStore>();

    /// <summary>今日场次 under <c>/api/console</c> (see <see cref="EventDayApi"/>).</summary>
    public static IEndpointRouteBuilder MapEventDay(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(StaffPolicies.Viewer)
            .MapGet("/event-day", EventDayApi.DayAsync).WithSummary("今日场次: the sessions running on a day (Asia/Shanghai) with their sign-ups and live counts");
        app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(StaffPolicies.Organiser).RequireAntiforgeryToken()
            .MapPost("/signups/{id:long}/checkin", EventDayApi.CheckInAsync).WithSummary("Checks a sign-up in from the event-day list (a child without the code)");
        return app;
    }
}
