using System.ComponentModel.DataAnnotations;
using Flurl.Http;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Wechat;
using WechatKepu.Wechat.Api;

namespace WechatKepu.Server.Features.Wechat;

public sealed class WechatOptions
{
    public const string Section = "Wechat";

    /// <summary>https://api.weixin.qq.com in production; the simulator's URL in development and tests.</summary>
    [Required, Url]
    public string ApiBaseUrl { get; set; } = "https://api.weixin.qq.com";

    [Range(1, 60)]
    public int TimeoutSeconds { get; set; } = 10;

    public MiniProgramOptions MiniProgram { get; set; } = new();

    /// <summary>Official accounts whose callbacks arrive at <c>/wechat/{appId}</c> (e.g. 健康柳州).</summary>
    public List<OfficialAccountOptions> OfficialAccounts { get; set; } = [];
}

public sealed class OfficialAccountOptions
{
    [Required]
    public string AppId { get; set; } = "";

    public string AppSecret { get; set; } = "";

    /// <summary>The callback Token set in the WeChat admin console (signature check).</summary>
    [Required]
    public string Token { get; set; } = "";

    /// <summary>43-character EncodingAESKey for compatible and safe mode; empty for plaintext only.</summary>
    public string? EncodingAESKey { get; set; }

    /// <summary>The key before the last rotation, accepted while WeChat switches over.</summary>
    public string? PreviousEncodingAESKey { get; set; }

    /// <summary>
    /// Refuse plaintext callbacks. Unset, it follows the key: an account with an EncodingAESKey refuses
    /// plaintext (whose signature does not cover the body), so only an explicit <c>false</c> lets plaintext in.
    /// </summary>
    public bool? RequireEncryption { get; set; }

    /// <summary>Whether a plaintext callback is refused: <see cref="RequireEncryption"/>, else whether a key is configured.</summary>
    public bool RefusesPlaintext => RequireEncryption ?? !string.IsNullOrEmpty(EncodingAESKey);

    /// <summary>Display name, e.g. 健康柳州.</summary>
    public string Name { get; set; } = "";
}

public sealed class MiniProgramOptions
{
    public string AppId { get; set; } = "";

    public string AppSecret { get; set; } = "";

    /// <summary>
    /// The message-push (消息推送) Token set in the mini-program's admin console; with it, WeChat's pushes to the
    /// mini-program (subscribe-message popup, change and sent events) are accepted at <c>/wechat/{AppId}</c>.
    /// Empty: no push endpoint for the mini-program.
    /// </summary>
    public string Token { get; set; } = "";

    /// <summary>43-character EncodingAESKey of the message push (safe mode); empty for plaintext only.</summary>
    public string? EncodingAESKey { get; set; }

    /// <summary>The key before the last rotation, accepted while WeChat switches over.</summary>
    public string? PreviousEncodingAESKey { get; set; }

    /// <summary>Subscribe-message templates the mini-program asks parents for.</summary>
    public List<SubscribeTemplateOptions> Templates { get; set; } = [];
}

public sealed class SubscribeTemplateOptions
{
    [Required]
    public string Id { get; set; } = "";

    /// <summary>session_reminder | waitlist_promoted | session_cancelled | session_changed</summary>
    [Required]
    public string Purpose { get; set; } = "";

    public string Title { get; set; } = "";

    /// <summary>Long-term templates (granted to some public-service categories) allow repeated sends.</summary>
    public bool LongTerm { get; set; }
}

/// <summary>One typed client per configured WeChat account, all sharing tokens through PostgreSQL.</summary>
public sealed class WechatClients(IOptions<WechatOptions> options, PostgresAccessTokenStore tokens, TimeProvider clock, ILoggerFactory loggers)
{
    private readonly Lazy<IFlurlClient> _http = new(() => new FlurlClient(options.Value.ApiBaseUrl)
        .WithTimeout(TimeSpan.FromSeconds(options.Value.TimeoutSeconds)));

    private readonly Dictionary<string, WechatApiClient> _clients = new(StringComparer.Ordinal);

    public bool MiniProgramConfigured =>
        !string.IsNullOrEmpty(options.Value.MiniProgram.AppId) && !string.IsNullOrEmpty(options.Value.MiniProgram.AppSecret);

    /// <summary>The mini-program's appId, or null when none is configured.</summary>
    public string? MiniProgramAppId => options.Value.MiniProgram.AppId is { Length: > 0 } id ? id : null;

    /// <summary>The mini-program's client; throws when the mini-program is not configured.</summary>
    public WechatApiClient MiniProgram
    {
        get
        {
            var mp = options.Value.MiniProgram;
            if (string.IsNullOrEmpty(mp.AppId) || string.IsNullOrEmpty(mp.AppSecret))
            {
                throw new InvalidOperationException("Wechat:MiniProgram:AppId and AppSecret are not configured");
            }

            return For(mp.AppId, mp.AppSecret);
        }
    }

    /// <summary>The configured official account <paramref name="appId"/>, or null.</summary>
    public OfficialAccountOptions? OfficialAccount(string appId) =>
        options.Value.OfficialAccounts.FirstOrDefault(a => string.Equals(a.AppId, appId, StringComparison.Ordinal));

    /// <summary>The API client of a configured official account.</summary>
    public WechatApiClient ForOfficialAccount(string appId) =>
        OfficialAccount(appId) is { } account
            ? For(account.AppId, account.AppSecret)
            : throw new InvalidOperationException($"Official account {appId} is not configured");

    public WechatApiClient For(string appId, string secret)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(appId, out var client))
            {
                client = new WechatApiClient(_http.Value, new WechatAccount(appId, secret), tokens, clock, loggers);
                _clients[appId] = client;
            }

            return client;
        }
    }
}

public static class WechatSetup
{
    public static IServiceCollection AddWechat(this IServiceCollection services)
    {
        services.AddOptions<WechatOptions>().BindConfiguration(WechatOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PostgresAccessTokenStore>();
        services.AddSingleton<WechatClients>();
        return services;
    }
}
