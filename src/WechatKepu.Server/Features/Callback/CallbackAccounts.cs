using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Wechat.Crypto;

namespace WechatKepu.Server.Features.Callback;

/// <summary>A configured official account with its message crypto (null when it has no EncodingAESKey).</summary>
public sealed record CallbackAccount(OfficialAccountOptions Options, WechatMessageCrypto? Crypto)
{
    public string AppId => Options.AppId;
}

/// <summary>The official accounts whose callbacks we accept, built once from configuration.</summary>
public sealed class CallbackAccounts : IDisposable
{
    private readonly FrozenDictionary<string, CallbackAccount> _accounts;

    public CallbackAccounts(IOptions<WechatOptions> options) =>
        _accounts = options.Value.OfficialAccounts.ToFrozenDictionary(
            a => a.AppId,
            a => new CallbackAccount(a, string.IsNullOrEmpty(a.EncodingAESKey)
                ? null
                : new WechatMessageCrypto(a.Token, a.EncodingAESKey, a.AppId,
                    string.IsNullOrEmpty(a.PreviousEncodingAESKey) ? null : a.PreviousEncodingAESKey)),
            StringComparer.Ordinal);

    public CallbackAccount? Find(string appId) => _accounts.GetValueOrDefault(appId);

    public IEnumerable<CallbackAccount> All => _accounts.Values;

    public void Dispose()
    {
        foreach (var account in _accounts.Values)
        {
            account.Crypto?.Dispose();
        }
    }
}
