using Microsoft.AspNetCore.Antiforgery;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Staff;

public static class StaffSetup
{
    /// <summary>Staff sign-in (cookie scheme, role policies, antiforgery), accounts, units and the audit log.</summary>
    public static IServiceCollection AddStaff(this IServiceCollection services)
    {
        StaffPolicies.AddSchemeAndPolicies(services);
        services.AddOptions<StaffOptions>().BindConfiguration(StaffOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StaffStore>();
        services.AddSingleton<UnitStore>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<StaffSessions>();
        services.AddNotificationSubscriber<StaffSessions>();
        services.AddAntiforgery(o =>
        {
            o.HeaderName = StaffAuth.AntiforgeryHeader;
            o.Cookie.Name = "kepu.af";
            o.Cookie.Path = "/";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddOptions<AntiforgeryOptions>().Configure<IWebHostEnvironment>((o, env) => o.Cookie.SecurePolicy = StaffPolicies.CookiePolicy(env));
        return services;
    }

    /// <summary><c>/api/console</c> sign-in, <c>/api/console/staff</c>, <c>/api/console/audit</c> and <c>/api/console/units</c>.</summary>
    public static IEndpointRouteBuilder MapStaff(this IEndpointRouteBuilder app)
    {
        app.MapStaffAccountsApi();
        app.MapUnitsApi();
        return app;
    }
}
