using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Custom;
using WechatKepu.Wechat.Api.Models.Mass;
using WechatKepu.Wechat.Api.Models.Security;
using WechatKepu.Wechat.Api.Models.Subscribe;
using WechatKepu.Wechat.Api.Models.Tags;
using WechatKepu.Wechat.Api.Models.Template;
using WechatKepu.Wechat.Api.Models.User;
using WechatKepu.Wechat.Api.Models.Wxa;
using WechatKepu.Wechat.Tests.Simulator;

namespace WechatKepu.Wechat.Tests.Api;

public sealed class WechatApiClientTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private static readonly Dictionary<string, TemplateValue> Data = new() { ["thing1"] = new("科普日活动"), ["time2"] = new("2026-12-01 09:00") };

    [Fact]
    public async Task Stable_token_returns_the_same_token_until_force_refresh_rotates_it()
    {
        var account = fixture.NewAccount();
        var first = await account.Client.GetStableTokenAsync();
        var again = await account.Client.GetStableTokenAsync();
        var forced = await account.Client.GetStableTokenAsync(forceRefresh: true);

        Assert.Equal(first.AccessToken, again.AccessToken);
        Assert.InRange(first.ExpiresIn, 7000, 7200);
        Assert.NotEqual(first.AccessToken, forced.AccessToken);
        var record = account.Sim.CallsTo("/cgi-bin/stable_token").Where(c => c.AppId == account.AppId).ToList();
        Assert.Equal(3, record.Count);
        Assert.Contains("\"force_refresh\":true", record[2].Body);
        Assert.DoesNotContain(account.Secret, record[0].Body);
    }

    [Fact]
    public async Task Wrong_secret_is_a_configuration_error()
    {
        var account = fixture.NewAccount();
        var client = TestAccount.NewClient(fixture.Host, account.AppId, "wrong", new Wechat.Tokens.InMemoryAccessTokenStore());

        var e = await Assert.ThrowsAsync<WechatApiException>(() => client.GetStableTokenAsync());

        Assert.Equal((40125, WechatErrorKind.Configuration, "/cgi-bin/stable_token"), (e.Errcode, e.Kind, e.Path));
        Assert.False(e.IsTransport);
    }

    [Fact]
    public async Task Template_send_returns_msgid_and_the_simulator_records_the_body()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_parent");

        var sent = await account.Client.SendTemplateMessageAsync(new TemplateSendRequest("o_parent", "tpl_reminder", Data,
            MiniProgram: new MiniProgramLink("wxmini", "pages/session/index?id=7"), ClientMsgId: "reminder-7-24h"));

        var call = Assert.Single(account.Sim.CallsTo("/cgi-bin/message/template/send"), c => c.AppId == account.AppId);
        Assert.Equal(sent.MsgId, call.MsgId.ToString());
        Assert.Equal(19, sent.MsgId.Length);
        Assert.Equal("o_parent", call.OpenId);
        Assert.Contains("\"client_msg_id\":\"reminder-7-24h\"", call.Body);
        Assert.Contains("\"pagepath\":\"pages/session/index?id=7\"", call.Body);
        Assert.Contains("科普日活动", call.Body);
        Assert.DoesNotContain("\"url\"", call.Body);
    }

    [Fact]
    public async Task Template_send_with_the_same_client_msg_id_is_delivered_once()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_parent");
        var request = new TemplateSendRequest("o_parent", "tpl", Data, ClientMsgId: "once");

        var first = await account.Client.SendTemplateMessageAsync(request);
        var second = await account.Client.SendTemplateMessageAsync(request);

        Assert.Equal(first.MsgId, second.MsgId);
    }

    [Theory]
    [InlineData("o_gone", "tpl_known", 43004, WechatErrorKind.UserState)]
    [InlineData("o_stranger", "tpl_known", 40003, WechatErrorKind.PermanentRequest)]
    [InlineData("o_follower", "tpl_unknown", 40037, WechatErrorKind.PermanentRequest)]
    public async Task Template_send_refusals_are_classified(string openId, string templateId, int errcode, WechatErrorKind kind)
    {
        var account = fixture.NewAccount();
        account.Sim.AddTemplate(account.AppId, "tpl_known");
        account.Sim.AddFollower(account.AppId, "o_follower");
        account.Sim.AddFollower(account.AppId, "o_gone", subscribed: false);

        var e = await Assert.ThrowsAsync<WechatApiException>(() =>
            account.Client.SendTemplateMessageAsync(new TemplateSendRequest(openId, templateId, Data)));

        Assert.Equal((errcode, kind), (e.Errcode, e.Kind));
        Assert.Equal("/cgi-bin/message/template/send", e.Path);
    }

    [Fact]
    public async Task Subscribe_message_uses_up_exactly_one_grant()
    {
        var account = fixture.NewAccount();
        account.Sim.GrantSubscribe(account.AppId, "o_mini", "tpl_session");
        var request = new SubscribeSendRequest("o_mini", "tpl_session", Data, Page: "pages/checkin/index", MiniProgramState: "formal", Lang: "zh_CN");

        await account.Client.SendSubscribeMessageAsync(request);
        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.SendSubscribeMessageAsync(request));

        Assert.Equal((43101, WechatErrorKind.UserState), (e.Errcode, e.Kind));
        Assert.Contains("\"miniprogram_state\":\"formal\"", account.Sim.CallsTo("/cgi-bin/message/subscribe/send")
            .First(c => c.AppId == account.AppId).Body);
    }

    [Fact]
    public async Task Subscribe_notice_without_a_grant_is_refused_and_with_one_is_sent()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_follower");
        var request = new SubscribeBizSendRequest("o_follower", "tpl_notice", Data, MiniProgram: new MiniProgramLink("wxmini", "pages/index"));

        var refused = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.SendSubscribeNoticeAsync(request));
        account.Sim.GrantSubscribe(account.AppId, "o_follower", "tpl_notice");
        var sent = await account.Client.SendSubscribeNoticeAsync(request);

        Assert.Equal(43101, refused.Errcode);
        Assert.Equal(0, sent.Errcode);
    }

    [Fact]
    public async Task Customer_service_messages_of_each_kind_go_out_within_the_48_hour_window()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_chat");
        account.Sim.UserMessaged(account.AppId, "o_chat");

        await account.Client.SendCustomMessageAsync(CustomSendRequest.Text("o_chat", "报名成功"));
        await account.Client.SendCustomMessageAsync(CustomSendRequest.News("o_chat",
            new CustomArticle("科普日", "活动一览", "https://example.org/a", null)));
        await account.Client.SendCustomMessageAsync(CustomSendRequest.MiniProgramPage("o_chat",
            new CustomMiniProgramPage("去报名", "wxmini", "pages/index", "thumb_media")));

        var bodies = account.Sim.CallsTo("/cgi-bin/message/custom/send").Where(c => c.AppId == account.AppId).Select(c => c.Body!).ToList();
        Assert.Equal(3, bodies.Count);
        Assert.Contains("\"text\":{\"content\":\"报名成功\"}", bodies[0]);
        Assert.Contains("\"articles\":[{\"title\":\"科普日\"", bodies[1]);
        Assert.Contains("\"thumb_media_id\":\"thumb_media\"", bodies[2]);
        Assert.All(bodies, b => Assert.DoesNotContain("null", b));
    }

    [Fact]
    public async Task Customer_service_message_outside_the_window_is_a_closed_channel()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_silent");

        var e = await Assert.ThrowsAsync<WechatApiException>(() =>
            account.Client.SendCustomMessageAsync(CustomSendRequest.Text("o_silent", "hi")));

        Assert.Equal((45015, WechatErrorKind.ChannelClosed), (e.Errcode, e.Kind));
    }

    [Fact]
    public async Task Mass_sendall_with_a_used_clientmsgid_reports_already_sent_with_the_first_msg_id()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_1");
        var request = new MassSendAllRequest(MassFilter.All, MassContent.TextMessage("科普日开幕"), "campaign-1");

        var first = await account.Client.MassSendAllAsync(request);
        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.MassSendAllAsync(request));

        Assert.Equal((45065, WechatErrorKind.AlreadySent), (e.Errcode, e.Kind));
        Assert.Equal(first.MsgId, e.ExistingMsgId);
        Assert.Contains("\"filter\":{\"is_to_all\":true}", account.Sim.CallsTo("/cgi-bin/message/mass/sendall").First(c => c.AppId == account.AppId).Body);
    }

    [Fact]
    public async Task Mass_send_preview_get_and_delete_follow_one_message()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_1");
        account.Sim.AddFollower(account.AppId, "o_2");
        account.Sim.AddDraft(account.AppId, "media_1");
        var content = MassContent.News("media_1");

        var preview = await account.Client.MassPreviewAsync(new MassPreviewRequest(content, ToUser: "o_1"));
        var sent = await account.Client.MassSendAsync(new MassSendRequest(["o_1", "o_2"], content, "campaign-2", SendIgnoreReprint: 1));
        var status = await account.Client.MassGetAsync(sent.MsgId);
        await account.Client.MassDeleteAsync(new MassDeleteRequest(sent.MsgId));
        var deleted = await account.Client.MassGetAsync(sent.MsgId);

        Assert.NotEqual("", preview.MsgId);
        Assert.Equal(sent.MsgId, sent.MsgDataId.ToString());
        Assert.Equal(("SEND_SUCCESS", "DELETE"), (status.MsgStatus, deleted.MsgStatus));
        Assert.Contains("\"mpnews\":{\"media_id\":\"media_1\"}", account.Sim.CallsTo("/cgi-bin/message/mass/send").First(c => c.AppId == account.AppId).Body);
    }

    [Fact]
    public async Task Mass_send_to_a_single_openid_is_a_permanent_request_error()
    {
        var account = fixture.NewAccount();

        var e = await Assert.ThrowsAsync<WechatApiException>(() =>
            account.Client.MassSendAsync(new MassSendRequest(["o_1"], MassContent.TextMessage("x"), "c")));

        Assert.Equal((40130, WechatErrorKind.PermanentRequest), (e.Errcode, e.Kind));
    }

    [Fact]
    public async Task Users_are_read_one_at_a_time_in_batches_and_page_by_page()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_a", "u_a");
        account.Sim.AddFollower(account.AppId, "o_b");
        account.Sim.AddFollower(account.AppId, "o_c", subscribed: false);

        var one = await account.Client.GetUserInfoAsync("o_a");
        var batch = await account.Client.BatchGetUserInfoAsync(new UserInfoBatchGetRequest([new("o_b"), new("o_c")]));
        var page = await account.Client.GetFollowersAsync();
        var next = await account.Client.GetFollowersAsync(page.NextOpenId);

        Assert.True(one.IsSubscribed);
        Assert.Equal("u_a", one.UnionId);
        Assert.Equal([true, false], batch.UserInfoList.Select(u => u.IsSubscribed));
        Assert.Equal((2, 2), (page.Total, page.Count));
        Assert.Equal(["o_a", "o_b"], page.OpenIds);
        Assert.Empty(next.OpenIds);
        Assert.Equal("o_a", account.Sim.CallsTo("/cgi-bin/user/info").Single(c => c.AppId == account.AppId).OpenId);
    }

    [Fact]
    public async Task Unknown_openid_in_user_info_is_a_permanent_request_error()
    {
        var account = fixture.NewAccount();

        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.GetUserInfoAsync("o_nobody"));

        Assert.Equal((40003, WechatErrorKind.PermanentRequest), (e.Errcode, e.Kind));
    }

    [Fact]
    public async Task Tags_are_created_listed_put_on_and_taken_off_followers()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_1");
        account.Sim.AddFollower(account.AppId, "o_2");

        var tag = (await account.Client.CreateTagAsync("健康素养问答")).Tag;
        await account.Client.BatchTagAsync(new TagMembersRequest(["o_1", "o_2"], tag.Id));
        await account.Client.BatchUntagAsync(new TagMembersRequest(["o_2"], tag.Id));
        var tags = await account.Client.GetTagsAsync();
        var members = await account.Client.GetTagFollowersAsync(new UserTagGetRequest(tag.Id));
        var user = await account.Client.GetUserInfoAsync("o_1");

        Assert.Equal("健康素养问答", tag.Name);
        Assert.Equal(1, Assert.Single(tags.Tags).Count);
        Assert.Equal(["o_1"], members.OpenIds);
        Assert.Equal([tag.Id], user.TagIdList!);
    }

    [Fact]
    public async Task Tagging_with_an_unknown_tag_fails()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_1");

        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.BatchTagAsync(new TagMembersRequest(["o_1"], 999)));

        Assert.Equal(45159, e.Errcode);
    }

    [Fact]
    public async Task Login_code_is_exchanged_once_then_reported_as_used()
    {
        var account = fixture.NewAccount();
        var code = account.Sim.IssueLoginCode("o_mini", account.AppId, "u_mini");

        var session = await account.Client.Code2SessionAsync(code);
        var reused = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.Code2SessionAsync(code));
        var unknown = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.Code2SessionAsync("made-up"));

        Assert.Equal(("o_mini", "u_mini"), (session.OpenId, session.UnionId));
        Assert.NotEmpty(session.SessionKey);
        Assert.DoesNotContain(session.SessionKey, session.ToString());
        Assert.Equal((40163, WechatErrorKind.LoginCode), (reused.Errcode, reused.Kind));
        Assert.Equal((40029, WechatErrorKind.LoginCode), (unknown.Errcode, unknown.Kind));
        Assert.DoesNotContain(account.Sim.CallsTo("/cgi-bin/stable_token"), c => c.AppId == account.AppId);
    }

    [Fact]
    public async Task Content_check_passes_plain_text_and_flags_risky_text()
    {
        var account = fixture.NewAccount();

        var plain = await account.Client.MsgSecCheckAsync(new MsgSecCheckRequest("孩子很喜欢科学实验", 2, "o_mini"));
        var risky = await account.Client.MsgSecCheckAsync(new MsgSecCheckRequest("网上赌博", 2, "o_mini"));

        Assert.Equal("pass", plain.Result!.Suggest);
        Assert.Equal("risky", risky.Result!.Suggest);
        Assert.NotNull(risky.TraceId);
        Assert.Contains("\"version\":2", account.Sim.CallsTo("/wxa/msg_sec_check").First(c => c.AppId == account.AppId).Body);
    }

    [Fact]
    public async Task Mini_program_code_comes_back_as_image_bytes()
    {
        var account = fixture.NewAccount();

        var image = await account.Client.GetWxaCodeUnlimitAsync(new GetWxaCodeUnlimitRequest("s=42", "pages/session/index", Width: 430));

        Assert.Equal("image/png", image.ContentType);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], image.Content[..4]);
    }

    [Theory]
    [InlineData("s=1", "pages/unpublished", 41030)]
    [InlineData("this-scene-is-longer-than-thirty-two-chars", "pages/index", 40169)]
    public async Task Mini_program_code_errors_come_back_as_json_and_throw(string scene, string page, int errcode)
    {
        var account = fixture.NewAccount();
        account.Sim.AddPage(account.AppId, "pages/index");

        var e = await Assert.ThrowsAsync<WechatApiException>(() =>
            account.Client.GetWxaCodeUnlimitAsync(new GetWxaCodeUnlimitRequest(scene, page)));

        Assert.Equal((errcode, WechatErrorKind.PermanentRequest), (e.Errcode, e.Kind));
    }
}
