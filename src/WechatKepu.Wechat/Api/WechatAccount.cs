using System.Text;

namespace WechatKepu.Wechat.Api;

/// <summary>An official account's or mini-program's credentials.</summary>
public sealed record WechatAccount(string AppId, string Secret)
{
    // Records print every property; the secret must never reach a log line.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("AppId = ").Append(AppId).Append(", Secret = ***");
        return true;
    }
}
