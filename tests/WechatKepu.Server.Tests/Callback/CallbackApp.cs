using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Server.Tests.Callback;

/// <summary>
/// The server with four official accounts: 健康柳州 (all three modes, plaintext allowed explicitly, during a
/// key rotation), a plaintext-only account, one that requires safe mode, and one with a key and no
/// <c>RequireEncryption</c> setting (so encryption is required).
/// </summary>
public class CallbackApp : KepuApp, IAsyncLifetime
{
    public const string AppId = "wxoa00000000000001";
    public const string PlainAppId = "wxoa00000000000002";
    public const string SafeOnlyAppId = "wxoa00000000000003";
    public const string KeyedAppId = "wxoa00000000000004";
    public const string Token = "kepu-callback-token";
    public static readonly string AesKey = WechatPlatform.NewEncodingAesKey();
    public static readonly string PreviousAesKey = WechatPlatform.NewEncodingAesKey();

    protected override void Configure(IWebHostBuilder b)
    {
        b.AddTestSignIn();
        Account(b, 0, AppId, AesKey, "健康柳州");
        b.UseSetting("Wechat:OfficialAccounts:0:PreviousEncodingAESKey", PreviousAesKey);
        b.UseSetting("Wechat:OfficialAccounts:0:RequireEncryption", "false");
        Account(b, 1, PlainAppId, null, "柳州科协");
        Account(b, 2, SafeOnlyAppId, AesKey, "柳州科技馆");
        b.UseSetting("Wechat:OfficialAccounts:2:RequireEncryption", "true");
        Account(b, 3, KeyedAppId, AesKey, "柳州市科协");
    }

    private static void Account(IWebHostBuilder b, int i, string appId, string? key, string name)
    {
        b.UseSetting($"Wechat:OfficialAccounts:{i}:AppId", appId);
        b.UseSetting($"Wechat:OfficialAccounts:{i}:AppSecret", "secret-" + appId);
        b.UseSetting($"Wechat:OfficialAccounts:{i}:Token", Token);
        b.UseSetting($"Wechat:OfficialAccounts:{i}:Name", name);
        if (key is not null)
        {
            b.UseSetting($"Wechat:OfficialAccounts:{i}:EncodingAESKey", key);
        }
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        foreach (var app in new[] { AppId, PlainAppId, SafeOnlyAppId, KeyedAppId })
        {
            Wechat.AddAccount(app, "secret-" + app);
        }
    }

    /// <summary>WeChat's side for an account, posting to this server in-process.</summary>
    public WechatPlatform Platform(string appId = AppId, string? aesKey = null, string token = Token, PlatformOptions? options = null) =>
        new(CreateClient(), new PlatformAccount(appId, token, aesKey ?? (appId == PlainAppId ? null : AesKey)), Clock, options, Wechat);

    public Task<long> InboundCountAsync() => ScalarAsync<long>("SELECT count(*) FROM wechat_inbound");

    /// <summary>Creates a keyword rule through the staff API.</summary>
    public async Task<long> AddRuleAsync(string keyword, string kind, string reply, int priority = 0, bool enabled = true,
        DateTimeOffset? from = null, DateTimeOffset? until = null, string appId = AppId)
    {
        using var staff = await this.StaffClientAsync("admin");
        var response = await staff.PostAsJsonAsync($"/api/console/replies/{appId}/rules", new
        {
            keyword, matchKind = kind, replyText = reply, priority, enabled, activeFrom = from, activeUntil = until,
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt64();
    }
}
