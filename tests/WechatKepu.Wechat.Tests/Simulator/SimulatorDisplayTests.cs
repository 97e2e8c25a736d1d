using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Subscribe;
using WechatKepu.Wechat.Api.Models.Template;

namespace WechatKepu.Wechat.Tests.Simulator;

/// <summary>The simulator records template and subscribe messages as the phone shows them (WeChat's rules since 2023-05-04).</summary>
public sealed class SimulatorDisplayTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private static Dictionary<string, TemplateValue> Data(params (string Key, string Value)[] fields) =>
        fields.ToDictionary(f => f.Key, f => new TemplateValue(f.Value));

    [Fact]
    public async Task A_template_message_is_displayed_without_first_and_remark_on_one_line_cut_after_20_characters_and_without_emoji()
    {
        var account = fixture.NewAccount();
        account.Sim.AddFollower(account.AppId, "o_display_fan_0000000000001");

        await account.Client.SendTemplateMessageAsync(new TemplateSendRequest("o_display_fan_0000000000001", "tpl", Data(
            ("first", "您报名的活动即将开始"),
            ("keyword1", "2024年全国科普日柳州活动暨八桂科普大行动柳州活动和柳州市青少年科学荟活动启动仪式"),
            ("keyword2", "2024年9月19日 09:30"),
            ("keyword3", "柳州科技馆\n二楼报告厅🎉"),
            ("remark", "请准时参加"))));

        var shown = Assert.Single(account.Sim.DisplayedTo("o_display_fan_0000000000001"));
        Assert.Equal("template", shown.Kind);
        Assert.Equal(["first", "remark"], shown.Hidden);
        Assert.Equal(5, shown.Sent.Count);
        Assert.Equal(["keyword1", "keyword2", "keyword3"], shown.Displayed.Select(f => f.Key));
        var title = shown.Displayed[0];
        Assert.True(title.Cut);
        Assert.Equal("2024年全国科普日柳州活动暨八桂科普大…", title.Value);
        Assert.False(shown.Displayed[1].Cut);
        Assert.Equal("柳州科技馆 二楼报告厅", shown.Displayed[2].Value);
        Assert.DoesNotContain("请准时参加", shown.Text);
    }

    [Theory]
    [InlineData("thing1", "科普日柳州活动暨八桂科普大行动柳州活动启动仪式")] // 23 characters: thing allows 20
    [InlineData("phrase2", "已经取消了")] // 5 is the limit for phrase: this passes, so it is the control below
    [InlineData("phrase2", "活动已经取消")] // 6 characters
    [InlineData("phrase2", "OK")] // only Chinese characters
    [InlineData("time3", "明天上午")] // not a time
    [InlineData("character_string4", "这不是字符串")]
    [InlineData("thing1", "")]
    public async Task A_subscribe_message_that_breaks_a_field_rule_is_refused_with_47003_naming_the_field(string key, string value)
    {
        var account = fixture.NewAccount();
        var openId = ("o_display_" + Guid.NewGuid().ToString("N"))[..28];
        account.Sim.GrantSubscribe(account.AppId, openId, "tpl_s");

        var send = () => account.Client.SendSubscribeMessageAsync(new SubscribeSendRequest(openId, "tpl_s",
            Data((key, value), ("time9", "2024年9月19日 09:30"))));

        if (key == "phrase2" && value == "已经取消了")
        {
            await send();
            Assert.Equal(value, Assert.Single(account.Sim.DisplayedTo(openId)).Displayed[0].Value);
            return;
        }

        var e = await Assert.ThrowsAsync<WechatApiException>(send);
        Assert.Equal(47003, e.Errcode);
        Assert.Contains($"data.{key}.value", e.Errmsg, StringComparison.Ordinal);
        Assert.Empty(account.Sim.DisplayedTo(openId));
        Assert.Equal(1, account.Sim.GrantsLeft(account.AppId, openId, "tpl_s"));
    }

    [Fact]
    public async Task A_subscribe_message_to_a_page_the_mini_program_does_not_have_is_refused_with_41030()
    {
        var account = fixture.NewAccount();
        account.Sim.AddPage(account.AppId, "pages/signups/signups");
        account.Sim.GrantSubscribe(account.AppId, "o_display_parent_00000000002", "tpl_s", 2);
        var data = Data(("thing1", "青少年科学荟"), ("time2", "2024年9月21日 09:30"), ("thing3", "柳州科技馆"));

        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.SendSubscribeMessageAsync(
            new SubscribeSendRequest("o_display_parent_00000000002", "tpl_s", data, Page: "pages/signups/index")));
        await account.Client.SendSubscribeMessageAsync(new SubscribeSendRequest("o_display_parent_00000000002", "tpl_s", data, Page: "pages/signups/signups?id=3"));

        Assert.Equal(41030, e.Errcode);
        var shown = Assert.Single(account.Sim.DisplayedTo("o_display_parent_00000000002"));
        Assert.Equal("subscribe", shown.Kind);
        Assert.Equal("pages/signups/signups?id=3", shown.Link);
        Assert.Equal("青少年科学荟\n2024年9月21日 09:30\n柳州科技馆", shown.Text);
    }
}
