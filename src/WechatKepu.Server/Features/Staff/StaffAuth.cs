using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Console;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Staff;

/// <summary>Reading the signed-in staff member, and the antiforgery check every console write passes.</summary>
public static class StaffAuth
{
    public const string UnitClaim = "unit";

    /// <summary>The account's security stamp when the cookie was issued; <see cref="StaffSessions"/> compares it with the row.</summary>
    public const string StampClaim = "stamp";
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    /// <summary>The acting staff member from the cookie's claims (NameIdentifier, Name, Role, unit).</summary>
    public static StaffActor Actor(this ClaimsPrincipal user) => new(
        long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null,
        user.FindFirstValue(ClaimTypes.Name) ?? "",
        user.FindFirstValue(ClaimTypes.Role) ?? "",
        user.FindFirstValue(UnitClaim) is { Length: > 0 } unit ? unit : null);

    public static ClaimsPrincipal Principal(Data.Staff.StaffAccountRow account)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, account.DisplayName),
            new(ClaimTypes.Role, account.Role),
            new(StampClaim, account.SecurityStamp),
        };
        if (!string.IsNullOrEmpty(account.Unit))
        {
            claims.Add(new Claim(UnitClaim, account.Unit));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, StaffPolicies.Scheme));
    }

    /// <summary>
    /// Puts the staff cookie's principal on the request where the endpoint has no staff policy (the
    /// default scheme is the mini-program's), so that antiforgery tokens are bound to the staff member.
    /// </summary>
    public static async Task UseStaffPrincipalAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(StaffPolicies.Scheme);
        if (result.Succeeded)
        {
            http.User = result.Principal;
        }
    }

    /// <summary>Rejects a write without a valid antiforgery token (cookie + <c>X-CSRF-TOKEN</c> header) with a 400.</summary>
    public static async ValueTask<object?> RequireAntiforgeryAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (HttpsRequired(http) is { } refused)
        {
            return refused;
        }

        if (http.User.Identity?.IsAuthenticated != true)
        {
            await UseStaffPrincipalAsync(http);
        }

        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return Problems.Problem(StatusCodes.Status400BadRequest, "antiforgery", "页面已过期，请刷新页面后重试",
                "请求缺少有效的防伪令牌（X-CSRF-TOKEN）。");
        }

        return await next(context);
    }

    /// <summary>
    /// A 400 for plain http where staff cookies are https-only (the antiforgery check would otherwise throw):
    /// outside Development and Testing the console needs https, or X-Forwarded-Proto from a trusted proxy.
    /// </summary>
    public static ProblemHttpResult? HttpsRequired(HttpContext http) =>
        !http.Request.IsHttps && http.RequestServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.SecurePolicy == CookieSecurePolicy.Always
            ? Problems.Problem(StatusCodes.Status400BadRequest, "https_required", "请通过 HTTPS 访问管理后台", "管理后台的登录和操作只能通过 HTTPS 进行。")
            : null;

    public static TBuilder RequireAntiforgeryToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(RequireAntiforgeryAsync);
}
