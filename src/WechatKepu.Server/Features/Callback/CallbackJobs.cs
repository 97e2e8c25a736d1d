using Hangfire;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Callback;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Custom;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Server.Features.Callback;

/// <summary>
/// Finishes a message whose handler missed the callback's deadline (or failed): runs its work once (a
/// no-op if the first try committed after all) and, when there is something to say, says it through the
/// customer-service API, since the callback already answered "success".
/// </summary>
public sealed class CallbackLateReplyJob(
    InboundStore inbound,
    CallbackDispatcher dispatcher,
    WechatClients clients,
    TimeProvider clock,
    ILogger<CallbackLateReplyJob> logger)
{
    [AutomaticRetry(Attempts = 5, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(string appId, string key, CancellationToken cancellationToken)
    {
        var row = await inbound.GetAsync(appId, key, cancellationToken);
        var miniProgram = clients.MiniProgramAppId == appId;
        if (row is null || (clients.OfficialAccount(appId) is null && !miniProgram))
        {
            return; // purged, or the account was removed from configuration
        }

        var message = WechatInboundMessage.Parse(row.Body);
        var outcome = await dispatcher.PlanAsync(appId, message, cancellationToken) switch
        {
            WorkPlan work => (await dispatcher.RunAsync(appId, message, work, cancellationToken)).Outcome,
            ImmediatePlan immediate => CallbackDispatcher.ReplyXml(message, immediate, clock.GetUtcNow()) ?? "",
            _ => "",
        };

        var content = outcome.Length == 0 ? null : WechatXml.Parse(outcome).Field("Content");
        if (content is null || miniProgram || row.Reply != InboundStore.NoReply
            || !await inbound.TryMarkLateSentAsync(appId, key, clock.GetUtcNow(), cancellationToken))
        {
            return;
        }

        try
        {
            await clients.ForOfficialAccount(appId).SendCustomMessageAsync(CustomSendRequest.Text(row.OpenId, content), cancellationToken);
        }
        catch (WechatApiException ex)
        {
            // Marked sent already: a customer-service send has no idempotency key, so it is never resent.
            logger.LogWarning("Late reply to {OpenId} on {AppId} was not delivered: {Errcode} {Errmsg}", row.OpenId, appId, ex.Errcode, ex.Errmsg);
        }
    }
}

/// <summary>Deletes inbound messages (the log and its dedup keys) older than the retention period.</summary>
public sealed class InboundPurgeJob(InboundStore inbound, TimeProvider clock, IOptions<CallbackOptions> options, ILogger<InboundPurgeJob> logger)
{
    public const string Id = "callback-inbound-purge";

    public static RecurringJobDefinition Definition { get; } = new(Id, "30 3 * * *",
        (manager, cron, jobOptions) => manager.AddOrUpdate<InboundPurgeJob>(Id, j => j.RunAsync(CancellationToken.None), cron, jobOptions));

    [AutomaticRetry(Attempts = 3)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var deleted = await inbound.PurgeAsync(clock.GetUtcNow() - options.Value.InboundRetention, 5000, cancellationToken);
        logger.LogInformation("Purged {Count} inbound callback messages", deleted);
        return deleted;
    }
}
