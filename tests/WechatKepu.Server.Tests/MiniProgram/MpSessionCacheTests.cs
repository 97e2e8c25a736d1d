using System.Net;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

/// <summary>
/// Login sessions are kept a minute per instance (MpSessionCache): what ends a session must still end it
/// at once, on this instance and on the others.
/// </summary>
public sealed class MpSessionCacheTests(KepuApp app) : IClassFixture<KepuApp>
{
    [Fact]
    public async Task An_erase_on_one_instance_ends_the_session_on_another()
    {
        await using var second = app.Factory.WithWebHostBuilder(_ => { });
        var (parent, _) = await Parent.ReadyAsync(app);
        using var other = second.CreateClient();
        other.DefaultRequestHeaders.Authorization = parent.Http.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/mp/me")).StatusCode); // now cached there

        Assert.Equal(HttpStatusCode.NoContent, (await parent.Http.DeleteAsync("/api/mp/me")).StatusCode);
        await ProblemAssert.IsProblemAsync(await parent.Http.GetAsync("/api/mp/me"), HttpStatusCode.Unauthorized, "session_expired");

        // The other instance hears of it through the erase's notification.
        var status = HttpStatusCode.OK;
        for (var i = 0; i < 200 && status != HttpStatusCode.Unauthorized; i++)
        {
            using var response = await other.GetAsync("/api/mp/me");
            status = response.StatusCode;
            if (status != HttpStatusCode.Unauthorized)
            {
                await Task.Delay(50);
            }
        }

        await ProblemAssert.IsProblemAsync(await other.GetAsync("/api/mp/me"), HttpStatusCode.Unauthorized, "session_expired");
    }

    [Fact]
    public async Task A_cached_session_still_ends_at_its_expiry()
    {
        var parent = await Parent.LoginAsync(app);
        var expiresAt = app.Clock.GetUtcNow().AddSeconds(30);
        await using (var conn = await app.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn,
                "UPDATE mp_login_sessions s SET expires_at = @expiresAt FROM mp_users u WHERE u.id = s.user_id AND u.openid = @openId",
                new { expiresAt = expiresAt.UtcDateTime, openId = parent.OpenId });
        }

        Assert.Equal(HttpStatusCode.OK, (await parent.Http.GetAsync("/api/mp/me")).StatusCode); // cached, ending in 30 s
        app.Clock.Advance(TimeSpan.FromSeconds(40));
        await ProblemAssert.IsProblemAsync(await parent.Http.GetAsync("/api/mp/me"), HttpStatusCode.Unauthorized, "session_expired");
    }
}
