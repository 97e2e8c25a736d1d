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
}

public sealed class MiniProgramOptions
{
    public string AppId { get; set; } = "";

    public string AppSecret { get; set; } = "";

    /// <summary>Subscribe-message templates the mini-program asks parents for.</summary>
    public List<SubscribeTemplateOptions> Templates { get; set; } = [];
}

public sealed class SubscribeTemplateOptions
{
    [Required]
    public string Id { get; set; } = "";

    /// <summary>session_reminder | waitlist_promoted | session_cancelled</summary>
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
    public static IServiceCollection AddKepuWechat(this IServiceCollection services)
    {
        services.AddOptions<WechatOptions>().BindConfiguration(WechatOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PostgresAccessTokenStore>();
        services.AddSingleton<WechatClients>();
        return services;
    }
}
