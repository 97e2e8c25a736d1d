using System.Collections.Concurrent;
using System.Diagnostics;
using Hangfire;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Callback;
using WechatKepu.Server.Features.Followers;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Server.Features.Callback;

/// <summary>
/// Exactly once, within budget: claims the message's dedup key, answers it (from memory, or by running its
/// work under a deadline), and gives every retry the reply the first try stored.
/// </summary>
public sealed class CallbackProcessor(
    ClaimBatcher claims,
    InboundStore inbound,
    CallbackDispatcher dispatcher,
    FollowerActivity activity,
    IBackgroundJobClient jobs,
    TimeProvider clock,
    IOptions<CallbackOptions> options,
    ILogger<CallbackProcessor> logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    // The first try of each message running in this instance; a retry arriving here meanwhile waits on it
    // instead of going to the database.
    private readonly ConcurrentDictionary<string, Task<string>> _inflight = new(StringComparer.Ordinal);

    /// <summary>The passive reply for the message: plaintext reply XML, or "success".</summary>
    /// <param name="startedAt">When the request arrived (<see cref="Stopwatch.GetTimestamp"/>): the budget counts from there.</param>
    public async Task<string> ProcessAsync(string appId, WechatInboundMessage message, string body, long startedAt)
    {
        var key = message.DedupKey;
        var id = string.Concat(appId, "\n", key);
        var mine = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = _inflight.GetOrAdd(id, mine.Task);
        if (first != mine.Task)
        {
            return await WaitAsync(first, startedAt);
        }

        try
        {
            var reply = await ClaimAndAnswerAsync(appId, message, key, body, startedAt);
            mine.SetResult(reply);
            return reply;
        }
        catch (Exception ex)
        {
            mine.SetException(ex);
            throw;
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<string, Task<string>>(id, mine.Task));
        }
    }

    private async Task<string> ClaimAndAnswerAsync(string appId, WechatInboundMessage message, string key, string body, long startedAt)
    {
        if (message is not WechatSendJobFinishEvent and not WechatSubscribeMsgSentEvent)
        {
            activity.Seen(appId, message.FromUserName);
        }

        var plan = await dispatcher.PlanAsync(appId, message, CancellationToken.None);
        var immediate = plan is ImmediatePlan p
            ? CallbackDispatcher.ReplyXml(message, p, clock.GetUtcNow()) ?? InboundStore.NoReply
            : null;
        var claim = await claims.ClaimAsync(new InboundClaim(appId, key, message.FromUserName, message.MsgType,
            message.Fields.GetValueOrDefault("Event"), body, immediate));
        if (!claim.Won)
        {
            // A retry: the first try's reply came back with the claim, or the first try is still running.
            return claim.StoredReply ?? await StoredReplyAsync(appId, key, startedAt);
        }

        return immediate ?? await RunWithDeadlineAsync(appId, message, key, (WorkPlan)plan);
    }

    private async Task<string> RunWithDeadlineAsync(string appId, WechatInboundMessage message, string key, WorkPlan plan)
    {
        // Wall-clock on purpose: the budget is WeChat's 5 s, whatever the business clock says.
        using var deadline = new CancellationTokenSource(options.Value.HandlerDeadline);
        try
        {
            var (_, reply) = await dispatcher.RunAsync(appId, message, plan, deadline.Token);
            return reply ?? InboundStore.NoReply;
        }
        catch (Exception ex)
        {
            if (ex is OperationCanceledException && deadline.IsCancellationRequested)
            {
                logger.LogInformation("Callback {AppId}/{Key} missed its {Deadline} deadline; a job finishes it", appId, key, options.Value.HandlerDeadline);
            }
            else
            {
                logger.LogError(ex, "Callback {AppId}/{Key} failed; a job retries it", appId, key);
            }

            // The work rolled back (or committed just in time, in which case its reply is kept).
            var (reply, deferred) = await inbound.DeferAsync(appId, key, CancellationToken.None);
            if (deferred)
            {
                jobs.Enqueue<CallbackLateReplyJob>(j => j.RunAsync(appId, key, CancellationToken.None));
            }

            return reply;
        }
    }

    /// <summary>A retry: the stored reply, waiting (polling) while the first try, maybe on another instance, still runs.</summary>
    private async Task<string> StoredReplyAsync(string appId, string key, long startedAt)
    {
        while (true)
        {
            if (await inbound.GetReplyAsync(appId, key, CancellationToken.None) is { } reply)
            {
                return reply;
            }

            var left = options.Value.ReplyWaitBudget - Stopwatch.GetElapsedTime(startedAt);
            if (left <= TimeSpan.Zero)
            {
                return InboundStore.NoReply;
            }

            await Task.Delay(left < PollInterval ? left : PollInterval);
        }
    }

    private async Task<string> WaitAsync(Task<string> first, long startedAt)
    {
        var left = options.Value.ReplyWaitBudget - Stopwatch.GetElapsedTime(startedAt);
        try
        {
            return left > TimeSpan.Zero ? await first.WaitAsync(left) : InboundStore.NoReply;
        }
        catch (Exception)
        {
            // Out of budget, or the first try failed (it defers to a job or WeChat retries): nothing to say now.
            return InboundStore.NoReply;
        }
    }
}
