using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Wechat.Crypto;

namespace WechatKepu.Server.Features.Callback;

/// <summary>A configured official account with its message crypto (null when it has no EncodingAESKey).</summary>
/// <param name="IsMiniProgram">The mini-program's message push (Wechat:MiniProgram:Token): it carries subscribe-message
/// events, in XML or JSON, and is never answered with a passive reply.</param>
public sealed record CallbackAccount(OfficialAccountOptions Options, WechatMessageCrypto? Crypto, bool IsMiniProgram = false)
{
    public string AppId => Options.AppId;
}

/// <summary>
/// The accounts whose pushes we accept, built once from configuration: each official account, and the
/// mini-program when its message-push Token is set (both at <c>/wechat/{appId}</c>).
/// </summary>
public sealed class CallbackAccounts : IDisposable
{
    private readonly FrozenDictionary<string, CallbackAccount> _accounts;

    public CallbackAccounts(IOptions<WechatOptions> options)
    {
        var accounts = options.Value.OfficialAccounts.Select(a => Create(a, isMiniProgram: false)).ToList();
        var mp = options.Value.MiniProgram;
        if (!string.IsNullOrEmpty(mp.AppId) && !string.IsNullOrEmpty(mp.Token)
            && !accounts.Any(a => string.Equals(a.AppId, mp.AppId, StringComparison.Ordinal)))
        {
            accounts.Add(Create(new OfficialAccountOptions
            {
                AppId = mp.AppId, Token = mp.Token, EncodingAESKey = mp.EncodingAESKey,
                PreviousEncodingAESKey = mp.PreviousEncodingAESKey, Name = "小程序",
            }, isMiniProgram: true));
        }

        _accounts = accounts.ToFrozenDictionary(a => a.AppId, StringComparer.Ordinal);
    }

    private static CallbackAccount Create(OfficialAccountOptions a, bool isMiniProgram) =>
        new(a, string.IsNullOrEmpty(a.EncodingAESKey)
                ? null
                : new WechatMessageCrypto(a.Token, a.EncodingAESKey, a.AppId,
                    string.IsNullOrEmpty(a.PreviousEncodingAESKey) ? null : a.PreviousEncodingAESKey),
            isMiniProgram);

    /// <summary>An official account (the accounts staff configure replies for); never the mini-program.</summary>
    public CallbackAccount? Find(string appId) => FindPush(appId) is { IsMiniProgram: false } account ? account : null;

    /// <summary>Whoever pushes to <c>/wechat/{appId}</c>: an official account or the mini-program.</summary>
    public CallbackAccount? FindPush(string appId) => _accounts.GetValueOrDefault(appId);

    /// <summary>The official accounts.</summary>
    public IEnumerable<CallbackAccount> All => _accounts.Values.Where(a => !a.IsMiniProgram);

    public void Dispose()
    {
        foreach (var account in _accounts.Values)
        {
            account.Crypto?.Dispose();
        }
    }
}
