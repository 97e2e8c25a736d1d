using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WechatKepu.Data.Broadcasts;
using WechatKepu.Data.Console;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Simulator;
using WechatKepu.Testing;

namespace WechatKepu.Console.Tests;

/// <summary>
/// The real server on a loopback port (Kestrel), a fresh database, the WeChat simulator, Hangfire workers
/// on, an admin account, and a headless Debian Chromium driven by Playwright.
/// </summary>
public sealed class ConsoleSite : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    public const string MpAppId = "wxmpbrowser000001";
    public const string OaAppId = "wxoabrowser000001";
    public const string AdminOpenId = "o-admin-preview";
    public const string AdminUser = "kepu.admin";
    public const string AdminPassword = "browser-test-pass";
    public const string ChangedTemplate = "tmpl-browser-session-changed";
    public const string CancelledTemplate = "tmpl-browser-session-cancelled";
    public const string OrganiserUser = "kepu.organiser";
    public const string OrganiserPassword = "browser-organiser-pass";
    public const string OrganiserUnit = "柳州科技馆";

    private readonly ChannelReceiptSink _receipts = new();
    private readonly CancellationTokenSource _stop = new();
    private WebApplicationFactory<Program>? _factory;
    private SimulatorHost? _simulator;
    private IPlaywright? _playwright;
    private Task? _receiptPump;

    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    public WechatSimulator Wechat => _simulator!.Simulator;
    public IServiceProvider Services => _factory!.Services;
    public string ConnectionString { get; private set; } = "";

    public static string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException(
                $"Browser tests need Debian's Chromium at {Chromium}. Install it with: sudo apt-get install -y chromium");
        }

        Directory.CreateDirectory(ScreenshotDir);
        await ConsoleLibraries.EnsureInstalledAsync();
        ConnectionString = await TestPostgres.CreateDatabaseAsync("ui");
        _simulator = await SimulatorHost.StartAsync(receipts: _receipts);
        Wechat.AddAccount(MpAppId, "mp-secret");
        Wechat.AddAccount(OaAppId, "oa-secret");
        Wechat.AddFollower(OaAppId, AdminOpenId);
        Wechat.AddFollower(OaAppId, "o-follower-1");
        Wechat.AddFollower(OaAppId, "o-follower-2");

        // The simulated mini-program publishes exactly the pages of miniprogram/app.json (others answer 41030).
        using (var app = JsonDocument.Parse(File.ReadAllText(Path.Combine(WechatKepu.Data.Embedded.RepoRoot.Find(), "miniprogram", "app.json"))))
        {
            foreach (var page in app.RootElement.GetProperty("pages").EnumerateArray())
            {
                Wechat.AddPage(MpAppId, page.GetString()!);
            }
        }

        BaseUrl = $"http://127.0.0.1:{FreePort()}";
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.UseSetting("ConnectionStrings:Kepu", ConnectionString);
            b.UseSetting("Wechat:ApiBaseUrl", _simulator.BaseUrl);
            b.UseSetting("Wechat:MiniProgram:AppId", MpAppId);
            b.UseSetting("Wechat:MiniProgram:AppSecret", "mp-secret");
            b.UseSetting("Wechat:MiniProgram:Templates:0:Id", ChangedTemplate);
            b.UseSetting("Wechat:MiniProgram:Templates:0:Purpose", "session_changed");
            b.UseSetting("Wechat:MiniProgram:Templates:0:Title", "活动变更通知");
            b.UseSetting("Wechat:MiniProgram:Templates:1:Id", CancelledTemplate);
            b.UseSetting("Wechat:MiniProgram:Templates:1:Purpose", "session_cancelled");
            b.UseSetting("Wechat:MiniProgram:Templates:1:Title", "活动取消通知");
            b.UseSetting("Wechat:OfficialAccounts:0:AppId", OaAppId);
            b.UseSetting("Wechat:OfficialAccounts:0:AppSecret", "oa-secret");
            b.UseSetting("Wechat:OfficialAccounts:0:Token", "token");
            b.UseSetting("Wechat:OfficialAccounts:0:Name", "柳州科协");
            // Scheduled broadcasts are picked up by real Hangfire workers, polling often.
            b.UseSetting("Jobs:RunServer", "true");
            b.UseSetting("Jobs:WorkerCount", "2");
            b.UseSetting("Jobs:PollInterval", "00:00:00.200");
            b.UseSetting("Jobs:RegisterRecurring", "false");
            // Browser tests run at any hour on the real clock: no quiet hours here (the server tests cover them).
            b.UseSetting("Delivery:QuietHoursStart", "00:00");
            b.UseSetting("Delivery:QuietHoursEnd", "00:00");
        });
        var port = int.Parse(BaseUrl[(BaseUrl.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        _factory.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        _factory.StartServer();

        await Services.GetRequiredService<StaffStore>().CreateAsync(new NewStaffAccount(AdminUser, "王管理", StaffPolicies.Roles.Admin, null,
            StaffAccountsApi.Hasher.HashPassword(new StaffAccountRow(), AdminPassword), AdminOpenId), CancellationToken.None);
        await Services.GetRequiredService<StaffStore>().CreateAsync(new NewStaffAccount(OrganiserUser, "李组织", StaffPolicies.Roles.Organiser, OrganiserUnit,
            StaffAccountsApi.Hasher.HashPassword(new StaffAccountRow(), OrganiserPassword), null), CancellationToken.None);
        _receiptPump = PumpReceiptsAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>Stands in for the callback's MASSSENDJOBFINISH handling: hands WeChat's counts to the broadcast store.</summary>
    private async Task PumpReceiptsAsync()
    {
        var store = Services.GetRequiredService<BroadcastStore>();
        try
        {
            await foreach (var receipt in _receipts.Reader.ReadAllAsync(_stop.Token))
            {
                if (receipt is MassSendJobFinished m)
                {
                    // The send's answer may still be on its way to the job: retry briefly until the msg_id is stored.
                    for (var i = 0; i < 50 && await store.RecordMassJobFinishAsync(m.AppId, m.MsgId.ToString(System.Globalization.CultureInfo.InvariantCulture), m.TotalCount, m.FilterCount, m.SentCount, m.ErrorCount, DateTimeOffset.UtcNow, _stop.Token) is null; i++)
                    {
                        await Task.Delay(100, _stop.Token);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A new page signed in as the admin, on the dashboard.</summary>
    public async Task<IPage> SignInAsync()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("/console/");
        await page.Locator("#login-form").WaitForAsync();
        await page.FillAsync("input[name=username]", AdminUser);
        await page.FillAsync("input[name=password]", AdminPassword);
        await page.ClickAsync("#login-form button[type=submit]");
        await page.Locator("#upcoming").WaitForAsync();
        return page;
    }

    /// <summary>WeChat's side of the official account (the follower's chat) against this site.</summary>
    public WechatKepu.Simulator.Platform.WechatPlatform Platform() =>
        new(new HttpClient { BaseAddress = new Uri(BaseUrl) }, new WechatKepu.Simulator.Platform.PlatformAccount(OaAppId, "token"), null, null, Wechat);

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = width, Height = height }, AcceptDownloads = true, Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        // The browser's own errors go next to the screenshots: the first place to look when a step times out.
        page.PageError += (_, error) => File.AppendAllText(Path.Combine(ScreenshotDir, "browser-errors.log"), $"{DateTimeOffset.UtcNow:O} {page.Url} {error}\n");
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                File.AppendAllText(Path.Combine(ScreenshotDir, "browser-errors.log"), $"{DateTimeOffset.UtcNow:O} {page.Url} console.{message.Type}: {message.Text}\n");
            }
        };
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });

    /// <summary>A parent on the mini-program API: login via the simulator, profile, consent, one child; returns the client.</summary>
    public async Task<(HttpClient Http, long ChildId)> ParentAsync(string openId, string childName)
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        var code = Wechat.IssueLoginCode(openId, MpAppId);
        var login = await (await http.PostAsJsonAsync("/api/mp/login", new { code })).Content.ReadFromJsonAsync<JsonElement>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.GetProperty("token").GetString());
        (await http.PutAsJsonAsync("/api/mp/me/guardian", new { name = "李家长", phone = "13912345678" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/mp/me/consent", new { privacyNoticeVersion = "2024-09", agreed = true })).EnsureSuccessStatusCode();
        var child = await (await http.PostAsJsonAsync("/api/mp/children", new { name = childName, grade = "三年级", school = "柳州市景行小学" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        return (http, child.GetProperty("id").GetInt64());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_receiptPump is not null)
        {
            await _receiptPump;
        }

        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }
}
