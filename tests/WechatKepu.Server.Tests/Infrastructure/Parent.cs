using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Features.MiniProgram;

namespace WechatKepu.Server.Tests.Infrastructure;

/// <summary>A parent using the mini-program: logs in through the simulator and calls /api/mp over HTTP.</summary>
public sealed class Parent(KepuApp app, HttpClient http, string openId)
{
    private static int _counter;

    public HttpClient Http => http;

    public string OpenId => openId;

    /// <summary>Logs a new parent in (wx.login code from the simulator → POST /api/mp/login).</summary>
    public static async Task<Parent> LoginAsync(KepuApp app, string? openId = null)
    {
        openId ??= $"o-parent-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid():N}"[..28];
        var http = app.CreateClient();
        var code = app.Wechat.IssueLoginCode(openId, KepuApp.MpAppId);
        var response = await http.PostAsJsonAsync("/api/mp/login", new { code });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var login = (await response.Content.ReadFromJsonAsync<LoginResponse>(KepuApp.Json))!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.Token);
        return new Parent(app, http, openId);
    }

    /// <summary>A parent with a guardian profile, consent and <paramref name="children"/> children (一年级…).</summary>
    public static async Task<(Parent Parent, List<ChildDto> Children)> ReadyAsync(KepuApp app, int children = 1, string grade = "三年级")
    {
        var parent = await LoginAsync(app);
        await parent.SaveGuardianAsync();
        await parent.ConsentAsync();
        var list = new List<ChildDto>();
        for (var i = 0; i < children; i++)
        {
            list.Add(await parent.AddChildAsync($"孩子{i + 1}", grade));
        }

        return (parent, list);
    }

    public async Task SaveGuardianAsync(string name = "张家长", string phone = "13800138000") =>
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsJsonAsync("/api/mp/me/guardian", new { name, phone })).StatusCode);

    public async Task ConsentAsync() =>
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/mp/me/consent", new { privacyNoticeVersion = "2024-09", agreed = true })).StatusCode);

    public async Task<ChildDto> AddChildAsync(string name, string grade = "三年级", string school = "柳州市东环路小学")
    {
        var response = await http.PostAsJsonAsync("/api/mp/children", new { name, grade, school });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ChildDto>(KepuApp.Json))!;
    }

    public Task<HttpResponseMessage> SignUpAsync(long sessionId, params long[] childIds) =>
        http.PostAsJsonAsync($"/api/mp/sessions/{sessionId}/signups", new { childIds });

    public async Task<SignupOutcomeDto> SignUpOkAsync(long sessionId, params long[] childIds)
    {
        var response = await SignUpAsync(sessionId, childIds);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<SignupOutcomeDto>(KepuApp.Json))!;
    }

    public async Task<List<SignupDto>> SignupsAsync() =>
        (await http.GetFromJsonAsync<List<SignupDto>>("/api/mp/signups", KepuApp.Json))!;

    public async Task<SessionDto> SessionAsync(long id) =>
        (await http.GetFromJsonAsync<SessionDto>($"/api/mp/sessions/{id}", KepuApp.Json))!;

    public async Task<JsonElement> GetJsonAsync(string url) =>
        JsonDocument.Parse(await http.GetStringAsync(url)).RootElement;

    public KepuApp App => app;
}
