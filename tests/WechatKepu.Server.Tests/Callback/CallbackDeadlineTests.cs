using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Replies;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Callback;

/// <summary>A command that waits until the test lets it go (or it is cancelled).</summary>
public sealed class SlowCommand : ICallbackCommand
{
    public TaskCompletionSource Gate { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Result { get; set; } = "终于好了";

    public string? Match(string text) => text == "慢慢来" ? "" : null;

    public async Task<string> RunAsync(CommandContext context, string argument, CancellationToken cancellationToken)
    {
        await Gate.Task.WaitAsync(cancellationToken);
        return Result;
    }
}

public sealed class DeadlineApp : CallbackApp
{
    public SlowCommand Slow { get; } = new();

    protected override void Configure(IWebHostBuilder b)
    {
        base.Configure(b);
        // Short, yet long enough for a cold 活动 query on a loaded machine; the slow command waits on its gate and always misses it.
        b.UseSetting("Callback:HandlerDeadline", "00:00:01.500");
        b.ConfigureServices(s => s.AddSingleton<ICallbackCommand>(Slow));
    }
}

/// <summary>Work that misses the deadline is answered "success" and finished by a job through the customer-service API.</summary>
public sealed class CallbackDeadlineTests(DeadlineApp app) : IClassFixture<DeadlineApp>
{
    [Fact]
    public async Task A_handler_past_its_deadline_answers_success_and_a_job_replies_through_customer_service()
    {
        using var platform = app.Platform();
        var o = "o-slow";
        var xml = platform.Text(o, "慢慢来");
        var reply = await platform.PostAsync(xml, CallbackMode.Safe);
        Assert.True(reply.IsNoReply);
        Assert.Equal("success", await app.ScalarAsync<string>($"SELECT reply FROM wechat_inbound WHERE openid = '{o}'"));
        Assert.Null(await app.ScalarAsync<DateTime?>($"SELECT handled_at FROM wechat_inbound WHERE openid = '{o}'"));
        Assert.Equal(1, await app.ScalarAsync<long>($"SELECT count(*) FROM hangfire.job WHERE invocationdata::text LIKE '%CallbackLateReplyJob%' AND arguments::text LIKE '%{o}:%'"));

        // A retry gets the same answer the first try gave.
        Assert.True((await platform.PostAsync(xml, CallbackMode.Safe)).IsNoReply);

        // The job finishes the work and answers late, once.
        app.Slow.Gate.SetResult();
        var key = await app.ScalarAsync<string>($"SELECT dedup_key FROM wechat_inbound WHERE openid = '{o}'");
        var job = app.Services.GetRequiredService<CallbackLateReplyJob>();
        await job.RunAsync(CallbackApp.AppId, key!, default);
        await job.RunAsync(CallbackApp.AppId, key!, default);

        var sends = app.Wechat.CallsTo("/cgi-bin/message/custom/send").Where(c => c.OpenId == o).ToList();
        Assert.Single(sends);
        Assert.Equal(0, sends[0].Errcode);
        Assert.Contains("终于好了", sends[0].Body);
        Assert.NotNull(await app.ScalarAsync<DateTime?>($"SELECT handled_at FROM wechat_inbound WHERE openid = '{o}'"));
    }

    [Fact]
    public async Task A_late_reply_too_long_for_wechat_is_cut_to_fit_like_a_passive_one()
    {
        var gate = app.Slow.Gate;
        app.Slow.Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Slow.Result = string.Concat(Enumerable.Repeat(new string('迟', 99) + "\n", 10));
        try
        {
            using var platform = app.Platform();
            const string o = "o-slow-long";
            Assert.True((await platform.PostAsync(platform.Text(o, "慢慢来"), CallbackMode.Safe)).IsNoReply);
            app.Slow.Gate.SetResult();
            var key = await app.ScalarAsync<string>($"SELECT dedup_key FROM wechat_inbound WHERE openid = '{o}'");
            await app.Services.GetRequiredService<CallbackLateReplyJob>().RunAsync(CallbackApp.AppId, key!, default);

            var send = Assert.Single(app.Wechat.CallsTo("/cgi-bin/message/custom/send"), c => c.OpenId == o);
            var content = System.Text.Json.JsonDocument.Parse(send.Body!).RootElement.GetProperty("text").GetProperty("content").GetString()!;
            Assert.True(PassiveText.Bytes(content) <= PassiveText.MaxBytes, $"{PassiveText.Bytes(content)} bytes");
            Assert.StartsWith(new string('迟', 99) + "\n", content);
            Assert.EndsWith("……", content);
        }
        finally
        {
            app.Slow.Gate = gate;
            app.Slow.Result = "终于好了";
        }
    }

    [Fact]
    public async Task Fast_work_is_still_answered_passively_under_a_short_deadline()
    {
        using var platform = app.Platform();
        Assert.StartsWith("近期", (await platform.PostAsync(platform.Text("o-fast", "活动"), CallbackMode.Safe)).Content);
    }

    [Fact]
    public async Task The_purge_job_deletes_messages_past_retention()
    {
        using var platform = app.Platform();
        await platform.PostAsync(platform.Text("o-old", "你好"), CallbackMode.Safe);
        await using (var conn = await app.OpenAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE wechat_inbound SET received_at = received_at - interval '31 days' WHERE openid = 'o-old'");
        }

        var deleted = await app.Services.GetRequiredService<InboundPurgeJob>().RunAsync(default);
        Assert.True(deleted >= 1);
        Assert.Equal(0, await app.ScalarAsync<long>("SELECT count(*) FROM wechat_inbound WHERE openid = 'o-old'"));
    }
}
