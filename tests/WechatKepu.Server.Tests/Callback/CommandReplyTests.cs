using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Replies;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Callback;

/// <summary>
/// What a follower reads back from the built-in commands, through the real callback: lists that WeChat
/// will show (a passive text over 2,048 bytes is not shown at all), titles as people say them, the campaign
/// for 科普日, and useful answers to 报名/帮助/菜单.
/// </summary>
public sealed class CommandReplyTests(CallbackApp app) : IClassFixture<CallbackApp>
{
    // The plan's longest real titles and venues (seed/2024-liuzhou-science-day-plan.md).
    private const string LongVenue = "柳州科技馆，全市各中小学校、青少年校外活动中心、科普教育基地、乡村学校少年宫、广西中小學生发明创造示范单位等";

    private static string NewOpenId() => "o" + Guid.NewGuid().ToString("N")[..27];

    private static int Bytes(string? text) => Encoding.UTF8.GetByteCount(text ?? "");

    private async Task<string> AskAsync(string text, CallbackMode mode = CallbackMode.Safe)
    {
        using var platform = app.Platform();
        var reply = await platform.PostAsync(platform.Text(NewOpenId(), text), mode);
        Assert.Equal("text", reply.MsgType);
        return reply.Content!;
    }

    /// <summary>Only this test's sessions are open: the list under test is theirs alone.</summary>
    private async Task CloseOtherSessionsAsync()
    {
        await using var conn = await app.OpenAsync();
        await conn.ExecuteAsync("UPDATE sessions SET status = 'cancelled' WHERE status = 'open'");
    }

    private async Task<long> SessionAsync(string activityCode, string title, string venue, TimeSpan startsIn,
        int capacity = 30, int confirmed = 0, int waitlist = 10, int waiting = 0, TimeSpan? closesIn = null)
    {
        var now = app.Clock.GetUtcNow();
        await using var conn = await app.OpenAsync();
        return await conn.ExecuteScalarAsync<long>("""
            INSERT INTO sessions (activity_id, title, starts_at, ends_at, venue, capacity, waitlist_capacity,
                                  signup_opens_at, signup_closes_at, cancel_deadline, confirmed_count, waitlist_count)
            SELECT id, @title, @starts, @ends, @venue, @capacity, @waitlist, @opens, @closes, @opens, @confirmed, @waiting
            FROM activities WHERE code = @activityCode
            RETURNING id
            """, new
        {
            activityCode, title, venue, capacity, confirmed, waitlist, waiting,
            starts = (now + startsIn).UtcDateTime,
            ends = (now + startsIn).AddHours(2).UtcDateTime,
            opens = now.AddDays(-1).UtcDateTime,
            closes = (now + (closesIn ?? startsIn - TimeSpan.FromMinutes(1))).UtcDateTime,
        });
    }

    [Theory]
    [InlineData(CallbackMode.Plaintext)]
    [InlineData(CallbackMode.Safe)]
    public async Task Activities_with_five_long_real_sessions_fit_in_2048_bytes_and_link_to_the_rest(CallbackMode mode)
    {
        await CloseOtherSessionsAsync();
        var ids = new List<long>
        {
            await SessionAsync("5.1.4", "“科普向未来·童筑科技梦”系列科普大联合活动·走进柳州白莲洞洞穴科学博物馆", "柳州白莲洞洞穴科学博物馆", TimeSpan.FromMinutes(10)),
            await SessionAsync("5.1.10", "柳州科技馆节假日主题活动（中秋节、农民丰收节）·中秋节亲子科学实验体验", LongVenue, TimeSpan.FromMinutes(11)),
            await SessionAsync("5.1.2", "2024年柳州市青少年科学荟·机器人编程体验（小学高年级组）", LongVenue, TimeSpan.FromMinutes(12)),
            await SessionAsync("5.3.8", "2024年龙潭公园民族团结科普知识大比拼·现场决赛", "柳州市龙潭公园", TimeSpan.FromMinutes(13)),
            await SessionAsync("5.1.5", "2024年柳州市青少年科技创新大赛·作品展评与答辩", LongVenue, TimeSpan.FromMinutes(14)),
        };

        var text = await AskAsync("活动", mode);

        Assert.True(Bytes(text) <= PassiveText.MaxBytes, $"{Bytes(text)} bytes: {text}");
        Assert.StartsWith("近期科普活动", text);
        // The first sessions are there whole, with their sign-up link; the rest is one tap away.
        Assert.Contains($"data-miniprogram-path=\"pages/signup/signup?sessionId={ids[0]}\"", text);
        Assert.Contains($"data-miniprogram-path=\"pages/signup/signup?sessionId={ids[1]}\"", text);
        Assert.Contains("更多场次", text);
        Assert.Contains("data-miniprogram-path=\"pages/index/index\"", text);
        // Never a link cut in half.
        Assert.Equal(CountOf(text, "<a "), CountOf(text, "</a>"));
    }

    [Fact]
    public async Task Titles_are_not_doubled_and_full_or_closed_sessions_are_not_offered()
    {
        await CloseOtherSessionsAsync();
        var plain = await SessionAsync("5.1.2", "青少年科学荟·科学实验体验", "柳州科技馆", TimeSpan.FromMinutes(20));
        var waitlistOnly = await SessionAsync("5.1.9", "科普小达人·初赛", "柳州科技馆", TimeSpan.FromMinutes(21), capacity: 2, confirmed: 2, waitlist: 5, waiting: 1);
        var full = await SessionAsync("5.1.9", "科普小达人·决赛", "柳州科技馆", TimeSpan.FromMinutes(22), capacity: 2, confirmed: 2, waitlist: 0);
        var fullWaitlist = await SessionAsync("5.1.2", "青少年科学荟·满员场", "柳州科技馆", TimeSpan.FromMinutes(23), capacity: 1, confirmed: 1, waitlist: 1, waiting: 1);
        var closed = await SessionAsync("5.1.2", "青少年科学荟·已截止", "柳州科技馆", TimeSpan.FromHours(3), closesIn: TimeSpan.FromMinutes(-1));
        var other = await SessionAsync("5.1.10", "中秋节主题科普活动", "柳州科技馆", TimeSpan.FromMinutes(24));

        var text = await AskAsync("活动");

        Assert.Contains("1. 青少年科学荟·科学实验体验\n", text);
        Assert.DoesNotContain("2024年柳州市青少年科学荟·青少年科学荟", text);
        Assert.Contains("2. 科普小达人·初赛\n", text);
        Assert.Contains("名额已满，可排队候补（候补还剩 4 位）", text);
        // A session whose title does not name its activity keeps the activity in front.
        Assert.Contains("柳州科技馆节假日主题活动（中秋节、农民丰收节）·中秋", text);
        Assert.Contains($"sessionId={plain}\"", text);
        Assert.Contains($"sessionId={waitlistOnly}\"", text);
        Assert.Contains($"sessionId={other}\"", text);
        foreach (var id in new[] { full, fullWaitlist, closed })
        {
            Assert.DoesNotContain($"sessionId={id}\"", text);
        }
    }

    [Fact]
    public async Task Kepuri_answers_the_campaign_starting_with_the_main_event_that_takes_no_sign_ups()
    {
        var text = await AskAsync("科普日");

        Assert.True(Bytes(text) <= PassiveText.MaxBytes, $"{Bytes(text)} bytes: {text}");
        Assert.DoesNotContain("近期科普活动", text);
        Assert.StartsWith("【主场活动】2024年全国科普日柳州活动暨八桂科普大行动柳州活动和柳州市青少年科学荟活动启动仪式", text);
        Assert.Contains("时间：2024年9月19日", text);
        Assert.Contains("地点：柳南区金绿洲星光大道购物广场（潭中西路19号）", text);
        Assert.Contains("无需报名", text);
        Assert.Contains("共有 35 项活动", text);
        Assert.Contains("2024年柳州市青少年科学荟（9月-11月，可报名）", text);
        Assert.Contains("发送「活动」", text);
        Assert.Contains("data-miniprogram-path=\"pages/index/index\"", text);
    }

    [Fact]
    public async Task Signup_help_and_menu_get_useful_answers_not_the_default_reply()
    {
        var signup = await AskAsync("报名");
        Assert.NotEqual(CallbackDispatcher.DefaultReply, signup);
        Assert.Contains("小程序", signup);
        Assert.Contains("data-miniprogram-path=\"pages/index/index\"", signup);
        Assert.Contains("候补", signup);
        Assert.Contains("签到码", signup);
        Assert.Equal(signup, await AskAsync("怎么报名"));

        foreach (var word in new[] { "帮助", "菜单" })
        {
            var help = await AskAsync(word);
            Assert.Equal(HelpCommand.Text, help);
            foreach (var command in new[] { "「活动」", "「科普日」", "「报名」", "「订阅 主题名」", "「退订 主题名」", "「我的订阅」" })
            {
                Assert.Contains(command, help);
            }
        }
    }

    [Fact]
    public async Task A_too_long_stored_keyword_reply_or_welcome_is_cut_to_fit_never_dropped()
    {
        // Saved before the limit was checked at save: the reply must still reach the follower.
        var line = new string('长', 99) + "\n";
        var longText = string.Concat(Enumerable.Repeat(line, 10)) + "<a href=\"https://example.com/more\">详情</a>";
        Assert.True(Bytes(longText) > PassiveText.MaxBytes);
        await using (var conn = await app.OpenAsync())
        {
            await conn.ExecuteAsync("""
                INSERT INTO reply_rules (app_id, keyword, match_kind, reply_text) VALUES (@app, '超长回复', 'exact', @longText);
                INSERT INTO reply_settings (app_id, welcome_text) VALUES (@app, @longText)
                ON CONFLICT (app_id) DO UPDATE SET welcome_text = excluded.welcome_text;
                """, new { app = CallbackApp.AppId, longText });
        }

        app.Services.GetRequiredService<ReplyEngine>().Invalidate();
        var rule = await AskAsync("超长回复", CallbackMode.Plaintext);
        Assert.True(Bytes(rule) <= PassiveText.MaxBytes, $"{Bytes(rule)} bytes");
        Assert.StartsWith(line, rule);
        Assert.EndsWith("……", rule);
        Assert.DoesNotContain("<a", rule);

        using var platform = app.Platform();
        var welcome = await platform.PostAsync(PlatformMessages.Subscribe("gh_kepu000000001", NewOpenId(), platform.Now), CallbackMode.Safe);
        Assert.True(Bytes(welcome.Content) <= PassiveText.MaxBytes, $"{Bytes(welcome.Content)} bytes");
        Assert.StartsWith(line, welcome.Content);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
