using WechatKepu.Wechat.Api.Models.Token;

namespace WechatKepu.Wechat.Tokens;

/// <summary>What the API client needs from whoever manages the access token.</summary>
public interface IAccessTokenSource
{
    /// <summary>A token that is valid now, as far as anyone knows.</summary>
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>WeChat rejected <paramref name="token"/> (40001/40014/42001): forget it, so the next
    /// <see cref="GetTokenAsync"/> returns a newer one.</summary>
    ValueTask TokenRejectedAsync(string token, CancellationToken cancellationToken);
}

/// <summary>Fetches a token from WeChat's <c>/cgi-bin/stable_token</c>.</summary>
public interface IStableTokenFetcher
{
    Task<StableTokenResponse> GetStableTokenAsync(bool forceRefresh = false, CancellationToken cancellationToken = default);
}
