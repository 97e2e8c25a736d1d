using System.Net;
using System.Net.Http.Json;
using Flurl.Http;
using Microsoft.Extensions.Time.Testing;
using WechatKepu.Simulator;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Mass;
using WechatKepu.Wechat.Api.Models.Subscribe;
using WechatKepu.Wechat.Api.Models.Template;
using WechatKepu.Wechat.Tokens;

namespace WechatKepu.Wechat.Tests.Simulator;

public sealed class WechatSimulatorTests : IAsyncLifetime
{
    private static readonly Dictionary<string, TemplateValue> Data = new() { ["thing1"] = new("x") };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero));
    private readonly ChannelReceiptSink _receipts = new();
    private SimulatorHost _host = null!;

    public async Task InitializeAsync() => _host = await SimulatorHost.StartAsync(new SimulatorOptions
    {
        Accounts = [new SimulatorAccountOptions { AppId = "wx_conf", Secret = "s", Followers = [new() { OpenId = "o_conf", TagIds = [7] }] }],
    }, _time, _receipts);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Every_concurrent_call_is_recorded_once_in_arrival_order()
    {
        var account = NewAccount();
        account.Sim.AddFollower(account.AppId, "o_many");

        await Task.WhenAll(Enumerable.Range(0, 500).Select(i =>
            account.Client.SendTemplateMessageAsync(new TemplateSendRequest("o_many", "tpl", Data, ClientMsgId: $"m{i}"))));

        var sends = account.Sim.CallsTo("/cgi-bin/message/template/send");
        Assert.Equal(500, sends.Count);
        Assert.Equal(500, sends.Select(c => c.MsgId).Distinct().Count());
        Assert.Equal(sends.Select(c => c.Sequence).Order(), sends.Select(c => c.Sequence));
    }

    [Fact]
    public async Task Stable_token_issues_a_new_token_in_the_last_minutes_and_the_old_one_lives_until_it_expires()
    {
        var account = NewAccount();
        var first = await account.Client.GetStableTokenAsync();
        _time.Advance(TimeSpan.FromSeconds(7200 - 60));
        var renewed = await account.Client.GetStableTokenAsync();

        var oldStillWorks = await GetFollowersWithTokenAsync(first.AccessToken);
        _time.Advance(TimeSpan.FromSeconds(61));
        var oldExpired = await GetFollowersWithTokenAsync(first.AccessToken);
        var unknown = await GetFollowersWithTokenAsync("made-up");

        Assert.NotEqual(first.AccessToken, renewed.AccessToken);
        Assert.Equal(7200, renewed.ExpiresIn);
        Assert.Equal((0, 42001, 40001), (oldStillWorks, oldExpired, unknown));
    }

    [Fact]
    public async Task Login_code_expires_after_five_minutes()
    {
        var account = NewAccount();
        var code = account.Sim.IssueLoginCode("o_late");
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.Code2SessionAsync(code));

        Assert.Equal(40029, e.Errcode);
    }

    [Fact]
    public async Task Accounts_and_followers_come_from_options()
    {
        var client = TestAccount.NewClient(_host, "wx_conf", "s", new InMemoryAccessTokenStore(), time: _time);

        var user = await client.GetUserInfoAsync("o_conf");

        Assert.Equal([7], user.TagIdList!);
    }

    [Fact]
    public async Task Successful_sends_publish_receipts_for_the_callback_side()
    {
        var account = NewAccount();
        account.Sim.AddFollower(account.AppId, "o_r");
        account.Sim.GrantSubscribe(account.AppId, "o_r", "tpl_s");

        var template = await account.Client.SendTemplateMessageAsync(new TemplateSendRequest("o_r", "tpl", Data));
        await account.Client.SendSubscribeNoticeAsync(new SubscribeBizSendRequest("o_r", "tpl_s", Data));
        var mass = await account.Client.MassSendAllAsync(new MassSendAllRequest(MassFilter.All, MassContent.TextMessage("x"), "c1"));

        var receipts = new List<SimulatorReceipt>();
        while (_receipts.Reader.TryRead(out var receipt))
        {
            receipts.Add(receipt);
        }

        Assert.Contains(new TemplateSendJobFinished(account.AppId, _time.GetUtcNow(), "o_r", long.Parse(template.MsgId), "success"), receipts);
        Assert.Contains(receipts, r => r is SubscribeMessageSent { OpenId: "o_r", TemplateId: "tpl_s" });
        Assert.Contains(new MassSendJobFinished(account.AppId, _time.GetUtcNow(), long.Parse(mass.MsgId), 1, 1, 1, 0), receipts);
    }

    [Fact]
    public async Task Fault_for_one_path_leaves_other_paths_alone()
    {
        var account = NewAccount();
        account.Sim.AddFollower(account.AppId, "o_f");
        account.Sim.Faults.FailNext(1, -1, "/cgi-bin/tags/get");

        var user = await account.Client.GetUserInfoAsync("o_f");
        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.GetTagsAsync());
        var tags = await account.Client.GetTagsAsync();

        Assert.True(user.IsSubscribed);
        Assert.Equal(-1, e.Errcode);
        Assert.Empty(tags.Tags);
    }

    [Fact]
    public async Task Control_api_issues_login_codes_and_serves_the_record()
    {
        var account = NewAccount();
        using var http = new HttpClient { BaseAddress = new Uri(_host.BaseUrl) };

        var issued = await http.PostAsJsonAsync("/_sim/login-codes", new { openId = "o_ctl", appId = account.AppId });
        var code = (await issued.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["code"];
        var session = await account.Client.Code2SessionAsync(code);
        var record = await http.GetFromJsonAsync<List<SimulatorCall>>("/_sim/calls?path=/sns/jscode2session");
        var unknown = await http.GetAsync("/cgi-bin/no/such/api");

        Assert.Equal("o_ctl", session.OpenId);
        Assert.Contains(record!, c => c.OpenId == "o_ctl" && c.AppId == account.AppId);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Hooks_fail_one_users_next_send_open_the_48_hour_window_and_queue_receipts()
    {
        var account = NewAccount();
        account.Sim.AddFollower(account.AppId, "o_hook_a");
        account.Sim.AddFollower(account.AppId, "o_hook_b");
        using var http = new HttpClient { BaseAddress = new Uri(_host.BaseUrl) };

        var fault = await http.PostAsJsonAsync("/_sim/faults", new { errcode = 45011, openId = "o_hook_a", path = "/cgi-bin/message/template/send" });
        Assert.Equal(HttpStatusCode.NoContent, fault.StatusCode);
        await account.Client.SendTemplateMessageAsync(new TemplateSendRequest("o_hook_b", "tpl", Data));
        var limited = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.SendTemplateMessageAsync(new TemplateSendRequest("o_hook_a", "tpl", Data)));
        Assert.Equal((45011, WechatErrorKind.Retryable), (limited.Errcode, limited.Kind));
        await account.Client.SendTemplateMessageAsync(new TemplateSendRequest("o_hook_a", "tpl", Data));

        var outside = await Assert.ThrowsAsync<WechatApiException>(() =>
            account.Client.SendCustomMessageAsync(WechatKepu.Wechat.Api.Models.Custom.CustomSendRequest.Text("o_hook_a", "hi")));
        Assert.Equal(45015, outside.Errcode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsJsonAsync("/_sim/window", new { appId = account.AppId, openId = "o_hook_a" })).StatusCode);
        await account.Client.SendCustomMessageAsync(WechatKepu.Wechat.Api.Models.Custom.CustomSendRequest.Text("o_hook_a", "hi"));

        while (_receipts.Reader.TryRead(out _))
        {
        }

        var queued = await http.PostAsJsonAsync("/_sim/receipts", new
        {
            kind = "subscribe", appId = account.AppId, openId = "o_hook_a", templateId = "tpl", msgId = 1700827132819554304, errorCode = 43101,
        });
        Assert.Equal(HttpStatusCode.NoContent, queued.StatusCode);
        Assert.True(_receipts.Reader.TryRead(out var receipt));
        Assert.Equal(new SubscribeMessageSent(account.AppId, _time.GetUtcNow(), "o_hook_a", "tpl", 1700827132819554304, 43101), receipt);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/_sim/receipts", new { kind = "mass", appId = account.AppId, openId = "o", msgId = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/_sim/faults", new { openId = "o_hook_a" })).StatusCode);
    }

    private TestAccount NewAccount() => TestAccount.Create(_host, new InMemoryAccessTokenStore(), time: _time);

    private async Task<int> GetFollowersWithTokenAsync(string token)
    {
        var reply = await new FlurlClient(_host.BaseUrl).Request("cgi-bin/user/get").SetQueryParam("access_token", token)
            .GetJsonAsync<WechatResponse>();
        return reply.Errcode;
    }
}
