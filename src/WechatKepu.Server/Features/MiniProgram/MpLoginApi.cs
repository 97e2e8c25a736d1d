using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Wechat;
using WechatKepu.Wechat.Api;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>
/// wx.login code → jscode2session → our own session. The token is derived from the code under a server
/// key, and a code's session is given out once (redeemed): the same code submitted again, even within
/// its five minutes, is refused as WeChat refuses a used code, so a code seen in transit earns nothing.
/// </summary>
public sealed class MpLogin(WechatClients wechat, MpUserStore users, ParentStore parents, SecretStore secrets,
    TimeProvider clock, IOptions<MpOptions> options, ILogger<MpLogin> logger)
{
    public const string TokenKeyName = "mp-login-token";

    public async Task<(LoginResponse? Response, WechatApiException? Error)> LoginAsync(string code, CancellationToken cancellationToken)
    {
        var key = await secrets.GetAsync(TokenKeyName, cancellationToken);
        var token = Base64Url(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("wx.login:" + code)));
        var hash = MpAuthentication.Hash(token);
        var now = clock.GetUtcNow();

        var existing = await users.FindSessionAsync(hash, now, cancellationToken);
        if (existing is null)
        {
            if (!wechat.MiniProgramConfigured)
            {
                logger.LogError("Mini-program login refused: Wechat:MiniProgram:AppId/AppSecret are not configured");
                return (null, new WechatApiException(WechatErrors.ApiUnauthorized, "mini-program not configured", "/sns/jscode2session", WechatErrorKind.Configuration));
            }

            try
            {
                var session = await wechat.MiniProgram.Code2SessionAsync(code, cancellationToken);
                await users.CreateSessionAsync(session.OpenId, session.UnionId, hash, now,
                    now.AddDays(options.Value.SessionLifetimeDays), cancellationToken);
            }
            catch (WechatApiException e) when (e.Errcode == WechatErrors.LoginCodeUsed)
            {
                // A concurrent request with the same code may have just created the session.
                if (await users.FindSessionAsync(hash, now, cancellationToken) is null)
                {
                    return (null, e);
                }
            }
            catch (WechatApiException e)
            {
                if (e.Kind == WechatErrorKind.Configuration)
                {
                    logger.LogError("Mini-program login is misconfigured: WeChat answered {Errcode} {Errmsg}", e.Errcode, e.Errmsg);
                }

                return (null, e);
            }

            existing = await users.FindSessionAsync(hash, now, cancellationToken);
        }

        // Whoever redeems first gets the token; a replay (or a concurrent twin) of the code gets nothing.
        if (existing is null || !await users.RedeemAsync(hash, now, cancellationToken))
        {
            return (null, new WechatApiException(WechatErrors.LoginCodeUsed, "code already used", "/sns/jscode2session", WechatErrorKind.LoginCode));
        }

        var (guardian, consent, _) = await parents.GetProfileAsync(existing!.UserId, cancellationToken);
        return (new LoginResponse(token, new DateTimeOffset(existing.ExpiresAt, TimeSpan.Zero), guardian is not null,
            consent?.PrivacyNoticeVersion == options.Value.PrivacyNoticeVersion), null);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public static class MpLoginApi
{
    /// <summary>Ends the session of the token sent ("log out on this device"); the token is useless afterwards.</summary>
    public static async Task<NoContent> LogoutAsync(HttpContext http, MpUserStore users, MpSessionCache cache, CancellationToken cancellationToken)
    {
        var token = http.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        var hash = MpAuthentication.Hash(token);
        await users.EndSessionAsync(hash, cancellationToken);
        cache.Forget(http.User.UserId());
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<LoginResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, MpLogin login, CancellationToken cancellationToken)
    {
        var code = request.Code?.Trim();
        if (string.IsNullOrEmpty(code) || code.Length > 128 || code.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["code"] = ["登录凭证 code 缺失或格式不正确"] });
        }

        var (response, error) = await login.LoginAsync(code, cancellationToken);
        if (response is not null)
        {
            return TypedResults.Ok(response);
        }

        return error!.Errcode switch
        {
            WechatErrors.LoginRateLimited => Problems.Problem(429, "login_rate_limited", "登录太频繁", "请稍等一会儿再试。"),
            WechatErrors.HighRiskUser => Problems.Problem(403, "login_user_blocked", "微信暂时限制了该账号登录",
                "微信判定该账号存在安全风险，重试不会改变结果。请换用其他微信账号，或联系主办方工作人员。"),
            WechatErrors.InvalidLoginCode or WechatErrors.LoginCodeUsed =>
                Problems.Problem(400, "login_code_invalid", "登录凭证无效或已使用", "请重新进入小程序后再试。"),
            _ => Problems.Problem(503, "wechat_unavailable", "微信服务暂时不可用", "请稍后再试。"),
        };
    }
}
