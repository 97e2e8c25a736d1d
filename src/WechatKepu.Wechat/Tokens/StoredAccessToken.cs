using System.Text;

namespace WechatKepu.Wechat.Tokens;

/// <summary>The access token every instance shares for one appId, as the store holds it.</summary>
public sealed record StoredAccessToken(string AppId, string Token, DateTimeOffset ExpiresAt, DateTimeOffset RefreshedAt)
{
    // A token in a log is a credential in a log.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("AppId = ").Append(AppId)
            .Append(", ExpiresAt = ").Append(ExpiresAt.ToString("O"))
            .Append(", RefreshedAt = ").Append(RefreshedAt.ToString("O"));
        return true;
    }
}
