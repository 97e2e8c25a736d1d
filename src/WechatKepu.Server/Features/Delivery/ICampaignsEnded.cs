namespace WechatKepu.Server.Features.Delivery;

/// <summary>
/// Told when campaigns may have ended: after the dispatcher closes the campaigns with nothing left to send, and
/// after staff cancel one. A handler sweeps for what ended (so one missed call is caught by the next tick) and
/// must be idempotent. Broadcasts use it to end a template broadcast with its campaign.
/// </summary>
public interface ICampaignsEnded
{
    Task CampaignsEndedAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
