using System.Net.Http.Json;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Data.Delivery;
using WechatKepu.Server.Features.Delivery;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Delivery;

/// <summary>
/// The server with 健康柳州 configured as an official account (parents' fallback channel and the topic
/// account), staff sign-in, and helpers to run the delivery tick by hand at the test clock's time.
/// </summary>
public class DeliveryApp : KepuApp
{
    public const string OaAppId = "wxoahealthliuzhou01";
    public const string OaSecret = "oa-test-secret";
    public const string CallbackToken = "callbacktoken";
    public const string OaReminderTemplate = "oa-tmpl-reminder";
    public const string OaPromotedTemplate = "oa-tmpl-promoted";
    public const string OaCancelledTemplate = "oa-tmpl-cancelled";
    public const string TopicTemplate = "oa-tmpl-topic";

    public const string TemplatePath = "/cgi-bin/message/template/send";
    public const string SubscribePath = "/cgi-bin/message/subscribe/send";

    private static int _followers;
    private static int _tags = 1000;

    /// <summary>A tag no other test uses: broadcasts to it reach only that test's followers.</summary>
    public static int NewTag() => Interlocked.Increment(ref _tags);

    protected override void Configure(IWebHostBuilder builder)
    {
        Wechat.AddAccount(OaAppId, OaSecret);
        builder.AddTestSignIn();
        builder.UseSetting("Wechat:OfficialAccounts:0:AppId", OaAppId);
        builder.UseSetting("Wechat:OfficialAccounts:0:AppSecret", OaSecret);
        builder.UseSetting("Wechat:OfficialAccounts:0:Token", CallbackToken);
        builder.UseSetting("Wechat:OfficialAccounts:0:Name", "健康柳州");
        builder.UseSetting("Reminders:OfficialAccountTemplates:SessionReminder", OaReminderTemplate);
        builder.UseSetting("Reminders:OfficialAccountTemplates:WaitlistPromoted", OaPromotedTemplate);
        builder.UseSetting("Reminders:OfficialAccountTemplates:SessionCancelled", OaCancelledTemplate);
        builder.UseSetting("Delivery:RetryBaseDelay", "00:00:30");
        builder.UseSetting("Delivery:BatchSize", "50");
    }

    /// <summary>A staff client with the staff cookie and an antiforgery token.</summary>
    public Task<HttpClient> StaffAsync(string role, string? unit = null) => this.StaffClientAsync(role, unit);

    /// <summary>One run of the recurring tick: plan what is due, send what is due.</summary>
    public Task TickAsync() => Services.GetRequiredService<DeliveryJobs>().TickAsync(CancellationToken.None);

    public DeliveryEngine Engine => Services.GetRequiredService<DeliveryEngine>();

    public DeliveryDispatcher Dispatcher => Services.GetRequiredService<DeliveryDispatcher>();

    /// <summary>Moves the clock to a Shanghai wall-clock time (never backwards).</summary>
    public void SetShanghai(DateTimeOffset instant)
    {
        var delta = instant - Clock.GetUtcNow();
        Assert.True(delta >= TimeSpan.Zero, $"the test clock only moves forward ({Clock.GetUtcNow():O} → {instant:O})");
        Clock.Advance(delta);
    }

    /// <summary>Moves the clock out of quiet hours (to 07:00) if it is in them: most tests expect sends to go out.</summary>
    public void Daytime()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0));
        SetShanghai(quiet.NextAllowed(Clock.GetUtcNow()));
    }

    /// <summary>The next instant after now at which Shanghai's clock shows <paramref name="hour"/>:<paramref name="minute"/>.</summary>
    public DateTimeOffset NextShanghai(int hour, int minute = 0)
    {
        var now = Clock.GetUtcNow();
        var today = DateOnly.FromDateTime(WechatKepu.Data.Shanghai.ToShanghai(now).DateTime);
        var at = WechatKepu.Data.Shanghai.At(today, new TimeOnly(hour, minute));
        return at > now ? at : WechatKepu.Data.Shanghai.At(today.AddDays(1), new TimeOnly(hour, minute));
    }

    /// <summary>A follower of 健康柳州 in the simulator and in our table (as the callback records them).</summary>
    public async Task<(long Id, string OpenId)> AddFollowerAsync(string? unionId = null, bool subscribed = true)
    {
        var openId = $"o-fan-{Interlocked.Increment(ref _followers)}-{Guid.NewGuid():N}"[..26];
        Wechat.AddFollower(OaAppId, openId, unionId, subscribed);
        await using var conn = await OpenAsync();
        var id = await conn.ExecuteScalarAsync<long>("""
            INSERT INTO followers (app_id, openid, unionid, subscribed, subscribed_at, first_subscribed_at)
            VALUES (@OaAppId, @openId, @unionId, @subscribed, now(), now()) RETURNING id
            """, new { OaAppId, openId, unionId, subscribed });
        return (id, openId);
    }

    /// <summary>Many followers at once (simulator and table).</summary>
    public async Task<List<string>> AddFollowersAsync(int count, string prefix, int tagId = 0)
    {
        var openIds = Enumerable.Range(0, count).Select(i => $"{prefix}-{i:D6}").ToList();
        foreach (var openId in openIds)
        {
            Wechat.AddFollower(OaAppId, openId);
        }

        await using var conn = await OpenAsync();
        await conn.ExecuteAsync("""
            INSERT INTO followers (app_id, openid, subscribed, subscribed_at, first_subscribed_at, tag_ids)
            SELECT @OaAppId, o, true, now(), now(), ARRAY[@tagId] FROM unnest(@openIds) AS o
            """, new { OaAppId, openIds = openIds.ToArray(), tagId });
        return openIds;
    }

    /// <summary>A broadcast to every follower of 健康柳州, created and committed like the console would.</summary>
    public async Task<long> BroadcastAsync(string source, int? tagId = null, bool urgent = false)
    {
        await using var conn = await OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var created = await Engine.CreateCampaignAsync(conn, tx,
            new CampaignSpec(CampaignKinds.Broadcast, source, "测试推送", Clock.GetUtcNow(),
                new CampaignContent(OaAppId: OaAppId, OaTemplateId: TopicTemplate,
                    OaData: new Dictionary<string, string> { ["keyword1"] = "科普日活动通知", ["keyword2"] = "欢迎参加" }),
                Urgent: urgent, CreatedBy: "测试员"),
            new DeliveryAudience.Followers(OaAppId, tagId), Clock.GetUtcNow(), CancellationToken.None);
        await tx.CommitAsync();
        return created!.CampaignId;
    }

    public async Task<string> DeliveryStatusAsync(long campaignId, string openId)
    {
        await using var conn = await OpenAsync();
        return await conn.ExecuteScalarAsync<string>("SELECT status FROM deliveries WHERE campaign_id = @campaignId AND openid = @openId",
            new { campaignId, openId }) ?? "(none)";
    }

    /// <summary>Successful sends per openid to a path, by distinct msgid: what users actually received.</summary>
    public Dictionary<string, int> Received(string path) =>
        Wechat.CallsTo(path).Where(c => c.Errcode == 0 && c.OpenId is not null)
            .GroupBy(c => c.OpenId!).ToDictionary(g => g.Key, g => g.Select(c => c.MsgId).Distinct().Count());

    /// <summary>A logged-in parent with a child, a unionid, and (optionally) subscribe grants recorded in both places.</summary>
    public async Task<(Parent Parent, long ChildId, string UnionId)> ParentAsync(params string[] grantTemplates)
    {
        var (parent, children) = await Parent.ReadyAsync(this);
        var unionId = "union-" + parent.OpenId;
        await using (var conn = await OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE mp_users SET unionid = @unionId WHERE openid = @openId", new { unionId, openId = parent.OpenId });
        }

        foreach (var template in grantTemplates)
        {
            await GrantAsync(parent, template);
        }

        return (parent, children[0].Id, unionId);
    }

    /// <summary>The parent accepted one subscription to <paramref name="template"/> (wx.requestSubscribeMessage → our API, and WeChat's side).</summary>
    public async Task GrantAsync(Parent parent, string template)
    {
        var response = await parent.Http.PostAsJsonAsync("/api/mp/subscriptions", new { results = new Dictionary<string, string> { [template] = "accept" } });
        response.EnsureSuccessStatusCode();
        Wechat.GrantSubscribe(MpAppId, parent.OpenId, template);
    }

    public async Task<int> GrantBalanceAsync(Parent parent, string template)
    {
        await using var conn = await OpenAsync();
        return await conn.ExecuteScalarAsync<int>("""
            SELECT coalesce((SELECT balance FROM subscribe_grants g JOIN mp_users u ON u.id = g.user_id
                             WHERE u.openid = @openId AND g.template_id = @template), 0)
            """, new { openId = parent.OpenId, template });
    }
}
