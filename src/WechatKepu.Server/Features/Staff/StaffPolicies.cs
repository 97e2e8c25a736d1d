using Microsoft.AspNetCore.Authentication.Cookies;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Staff;

/// <summary>
/// Who may do what in the staff console (<c>/console</c>, <c>/api/console</c>). Staff sign in with a
/// cookie; roles are admin, organiser (scoped to their unit's activities) and viewer.
/// </summary>
public static class StaffPolicies
{
    public const string Scheme = "StaffCookie";

    /// <summary>Any signed-in staff member: read-only pages and APIs.</summary>
    public const string Viewer = "StaffViewer";

    /// <summary>Organisers and admins: writes, exports, check-in, broadcasts.</summary>
    public const string Organiser = "StaffOrganiser";

    /// <summary>Admins only: staff accounts, audit log, the job dashboard.</summary>
    public const string Admin = "StaffAdmin";

    public static class Roles
    {
        public const string Admin = "admin";
        public const string Organiser = "organiser";
        public const string Viewer = "viewer";
    }

    /// <summary>The staff cookie scheme and the three role policies (called by <see cref="StaffSetup.AddStaff"/>).</summary>
    internal static IServiceCollection AddSchemeAndPolicies(IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = "kepu.staff";
            o.Cookie.HttpOnly = true;
            // Always the whole site: signing in under a mapped branch would otherwise scope the cookie to it.
            o.Cookie.Path = "/";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.LoginPath = "/console/login";
            // An API (and the OpenAPI document) answers 401/403 ProblemDetails instead of redirecting to a page.
            o.Events.OnRedirectToLogin = ctx => WriteAsync(ctx.HttpContext, ctx.RedirectUri, 401, "unauthenticated", "请先登录");
            o.Events.OnRedirectToAccessDenied = ctx => WriteAsync(ctx.HttpContext, ctx.RedirectUri, 403, "forbidden", "没有权限执行此操作");
            // A disabled, demoted or re-passworded account's sessions end here, on every instance.
            o.Events.OnValidatePrincipal = ctx => ctx.HttpContext.RequestServices.GetRequiredService<StaffSessions>().ValidateAsync(ctx);
        });
        services.AddOptions<CookieAuthenticationOptions>(Scheme)
            .Configure<IWebHostEnvironment>((o, env) => o.Cookie.SecurePolicy = CookiePolicy(env));
        services.AddAuthorizationBuilder()
            .AddPolicy(Viewer, p => p.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Admin, Roles.Organiser, Roles.Viewer))
            .AddPolicy(Organiser, p => p.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Admin, Roles.Organiser))
            .AddPolicy(Admin, p => p.AddAuthenticationSchemes(Scheme).RequireRole(Roles.Admin));
        return services;
    }

    /// <summary>
    /// Staff cookies (sign-in and antiforgery) are sent over HTTPS only, except in Development and in the
    /// tests' Testing environment, which run on plain http on loopback. Behind the proxy the scheme comes
    /// from X-Forwarded-Proto (docs/deploy.md).
    /// </summary>
    public static CookieSecurePolicy CookiePolicy(IHostEnvironment env) =>
        env.IsDevelopment() || env.IsEnvironment("Testing") ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    private static async Task WriteAsync(HttpContext http, string redirectUri, int status, string code, string title)
    {
        if (!http.Request.Path.StartsWithSegments("/api") && !http.Request.Path.StartsWithSegments("/openapi"))
        {
            http.Response.Redirect(redirectUri);
            return;
        }

        http.Response.StatusCode = status;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Type = Problems.TypeBase + code, Title = title, Extensions = { ["code"] = code } },
        });
    }
}
