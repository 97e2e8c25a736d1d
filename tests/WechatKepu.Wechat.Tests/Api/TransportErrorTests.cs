using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Template;
using WechatKepu.Wechat.Tests.Simulator;

namespace WechatKepu.Wechat.Tests.Api;

/// <summary>Failures on the way to WeChat: all surface as Retryable, and no send is resent by the client.</summary>
public sealed class TransportErrorTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private const string TemplateSend = "/cgi-bin/message/template/send";
    private static readonly Dictionary<string, TemplateValue> Data = new() { ["thing1"] = new("x") };

    [Fact]
    public async Task System_busy_is_retryable_and_the_send_is_not_repeated()
    {
        var (account, request) = await ReadyAsync();
        fixture.Sim.Faults.FailNext(1, -1, TemplateSend);

        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.SendTemplateMessageAsync(request));

        Assert.Equal((-1, WechatErrorKind.Retryable, false), (e.Errcode, e.Kind, e.IsTransport));
        Assert.Equal(1, fixture.Sim.CallsTo(TemplateSend).Count(c => c.OpenId == request.ToUser));
    }

    [Fact]
    public async Task Dropped_connection_is_a_retryable_transport_error()
    {
        var (account, request) = await ReadyAsync();
        fixture.Sim.Faults.DropNext(1, TemplateSend);

        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.SendTemplateMessageAsync(request));

        Assert.Equal((WechatApiException.TransportErrcode, WechatErrorKind.Retryable, true), (e.Errcode, e.Kind, e.IsTransport));
        Assert.Equal(TemplateSend, e.Path);
        Assert.True(Assert.Single(fixture.Sim.CallsTo(TemplateSend), c => c.OpenId == request.ToUser).Dropped);
    }

    [Fact]
    public async Task Timeout_is_a_retryable_transport_error_without_the_token_in_its_message()
    {
        // Well above a slow CI machine's stable_token time, well below the 30 s the simulator holds user/info.
        var account = fixture.NewAccount(timeout: TimeSpan.FromSeconds(2));
        account.Sim.AddFollower(account.AppId, "o_slow");
        var token = await account.Client.Tokens.GetTokenAsync(default);
        fixture.Sim.Faults.SetDelay(TimeSpan.FromSeconds(30), "/cgi-bin/user/info");
        try
        {
            var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.GetUserInfoAsync("o_slow"));

            Assert.Equal((WechatErrorKind.Retryable, true, "timeout"), (e.Kind, e.IsTransport, e.Errmsg));
            Assert.DoesNotContain(token, e.ToString());
        }
        finally
        {
            fixture.Sim.Faults.SetDelay(TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task Quota_exceeded_is_retryable()
    {
        var (account, request) = await ReadyAsync();
        fixture.Sim.Limits.Set(TemplateSend, 1, TimeSpan.FromHours(1));
        try
        {
            await account.Client.SendTemplateMessageAsync(request);
            var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.SendTemplateMessageAsync(request));

            Assert.Equal((45009, WechatErrorKind.Retryable), (e.Errcode, e.Kind));
        }
        finally
        {
            fixture.Sim.Limits.Clear(TemplateSend);
        }
    }

    [Fact]
    public async Task Unreachable_host_is_a_retryable_transport_error()
    {
        var client = new WechatApiClient(new Flurl.Http.FlurlClient("http://127.0.0.1:1"), new WechatAccount("wx", "s"),
            new Wechat.Tokens.InMemoryAccessTokenStore());

        var e = await Assert.ThrowsAsync<WechatApiException>(() => client.GetStableTokenAsync());

        Assert.Equal((WechatErrorKind.Retryable, true), (e.Kind, e.IsTransport));
    }

    private async Task<(TestAccount Account, TemplateSendRequest Request)> ReadyAsync()
    {
        var account = fixture.NewAccount();
        var openId = "o_" + Guid.NewGuid().ToString("N");
        account.Sim.AddFollower(account.AppId, openId);
        // Fetch the token first, so injected faults hit the send itself.
        await account.Client.Tokens.GetTokenAsync(default);
        return (account, new TemplateSendRequest(openId, "tpl", Data));
    }
}
