using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c> from <c>POST /api/mp/login</c>. Tokens are stored only as
/// SHA-256 hashes; a session slides forward while it is used. Sessions read are kept a minute in
/// <see cref="MpSessionCache"/>.
/// </summary>
public sealed class MpAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger, UrlEncoder encoder,
    MpUserStore users, MpSessionCache cache, TimeProvider clock, IOptions<MpOptions> mp, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "MpSession";
    public const string Policy = "MpParent";
    public const string OpenIdClaim = "openid";

    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var token = header["Bearer ".Length..].Trim();
        if (token.Length is 0 or > 200)
        {
            return AuthenticateResult.Fail("malformed token");
        }

        var now = clock.GetUtcNow();
        var hash = Hash(token);
        var key = Convert.ToHexString(hash);
        var session = cache.Find(key, now);
        if (session is null)
        {
            var generation = cache.Generation;
            session = await users.FindSessionAsync(hash, now, Context.RequestAborted);
            if (session is null)
            {
                return AuthenticateResult.Fail("unknown or expired session");
            }

            cache.Remember(key, session, now, generation);
        }

        // Slide at most hourly: one write per hour per parent, not one per request.
        if (now - new DateTimeOffset(session.LastSeenAt, TimeSpan.Zero) > TimeSpan.FromHours(1))
        {
            var generation = cache.Generation;
            var expiresAt = now.AddDays(mp.Value.SessionLifetimeDays);
            await users.SlideAsync(hash, now, expiresAt, Context.RequestAborted);
            cache.Remember(key, session with { LastSeenAt = now.UtcDateTime, ExpiresAt = expiresAt.UtcDateTime }, now, generation);
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, session.UserId.ToString()), new Claim(OpenIdClaim, session.OpenId)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = 401, Type = Problems.TypeBase + "session-expired", Title = "登录已过期",
                Detail = "请重新进入小程序登录后再试。", Extensions = { ["code"] = "session_expired" },
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = 403, Title = "没有权限", Extensions = { ["code"] = "forbidden" } },
        });
    }
}

public static class MpPrincipal
{
    public static long UserId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("not a parent"));
}
