namespace WechatKepu.Simulator;

public sealed partial class WechatSimulator
{
    /// <summary>
    /// What a callback posted by the platform side tells the API side: the user follows (or no longer
    /// does), and, when they wrote, that the 48 h customer-service window is open. Keeps an existing
    /// follower's unionid and tags.
    /// </summary>
    public void FollowerWrote(string appId, string openId, bool subscribed = true, bool interacted = true)
    {
        var followers = GetAccount(appId).Followers;
        var follower = followers.GetOrAdd(openId, id => new Follower(id, null, Time.GetUtcNow()));
        follower.Subscribed = subscribed;
        if (interacted)
        {
            follower.LastMessageTicks = Time.GetUtcNow().UtcTicks;
        }
    }
}
