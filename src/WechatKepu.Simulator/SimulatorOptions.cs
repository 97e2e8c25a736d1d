namespace WechatKepu.Simulator;

/// <summary>How the simulated WeChat platform behaves; bound from the <c>Simulator</c> section when run alone.</summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>Where Kestrel listens; port 0 picks a free one (see <see cref="SimulatorHost.BaseUrl"/>).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:0";

    /// <summary>An access token's life (WeChat: 7200 s).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(7200);

    /// <summary>In this last stretch of a token's life stable_token issues a new one; the old stays valid until it expires.</summary>
    public TimeSpan TokenRenewWindow { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan ForceRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    public int ForceRefreshDailyLimit { get; set; } = 20;

    /// <summary>A wx.login code's life (WeChat: 5 minutes).</summary>
    public TimeSpan LoginCodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long template send dedups openid + client_msg_id.</summary>
    public TimeSpan TemplateClientMsgIdWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long mass sends dedup clientmsgid (WeChat: 24 h).</summary>
    public TimeSpan MassClientMsgIdWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Customer-service messages are allowed this long after the user's last message (WeChat: 48 h).</summary>
    public TimeSpan CustomerServiceWindow { get; set; } = TimeSpan.FromHours(48);

    /// <summary>Keep each call's JSON body in the record (tests read it; long benchmarks may turn it off).</summary>
    public bool RecordBodies { get; set; } = true;

    /// <summary>Log every request; off by default because benchmarks push thousands a second.</summary>
    public bool LogRequests { get; set; }

    /// <summary>msg_sec_check answers risky for content containing any of these.</summary>
    public List<string> RiskyWords { get; set; } = ["赌博", "RISKY"];

    public List<SimulatorAccountOptions> Accounts { get; set; } = [];

    /// <summary>
    /// The backend's base URL (e.g. http://127.0.0.1:5080): receipts are posted to its <c>/wechat/{appId}</c> for each
    /// account with a <see cref="SimulatorAccountOptions.PushToken"/>, as WeChat does. Unset: no receipts are produced.
    /// </summary>
    public string? Backend { get; set; }

    /// <summary>Post receipts as sends succeed (default, as the real platform does); false: only on <c>POST /_sim/receipts/deliver</c>.</summary>
    public bool AutoDeliverReceipts { get; set; } = true;

    /// <summary>Per API path (e.g. <c>/cgi-bin/message/mass/sendall</c>), per appId: beyond the limit, 45009.</summary>
    public Dictionary<string, SimulatorRateLimit> RateLimits { get; set; } = [];
}

public sealed class SimulatorAccountOptions
{
    public string AppId { get; set; } = "";

    public string Secret { get; set; } = "";

    /// <summary>Known template ids; when empty any template id is accepted.</summary>
    public List<string> TemplateIds { get; set; } = [];

    /// <summary>Templates the account lists (get_all_private_template, or gettemplate for those with a Type); their ids are accepted by the send APIs.</summary>
    public List<SimulatorTemplateOptions> Templates { get; set; } = [];

    /// <summary>Published mini-program pages for getwxacodeunlimit's check_path; when empty any page is accepted.</summary>
    public List<string> Pages { get; set; } = [];

    public List<SimulatorFollowerOptions> Followers { get; set; } = [];

    /// <summary>The Token of the account's push URL (official-account callback, or mini-program message push); receipts need it.</summary>
    public string? PushToken { get; set; }

    /// <summary>The push's EncodingAESKey: receipts go in safe mode when set, plaintext otherwise.</summary>
    public string? PushEncodingAESKey { get; set; }

    /// <summary>A mini-program whose message push is set to JSON.</summary>
    public bool PushJson { get; set; }

    /// <summary>The account's original id (gh_…), the ToUserName of what WeChat pushes.</summary>
    public string OriginalId { get; set; } = "gh_5e0c9a7d3b21";
}

public sealed class SimulatorTemplateOptions
{
    public string Id { get; set; } = "";

    public string Title { get; set; } = "";

    /// <summary>One field a line: <c>活动名称:{{thing1.DATA}}</c>.</summary>
    public string Content { get; set; } = "";

    public string Example { get; set; } = "";

    /// <summary>Null: an official-account template; 2 or 3: a mini-program subscribe template (one-time, long-term).</summary>
    public int? Type { get; set; }

    /// <summary>enum_string fields (<c>enum_string2.DATA</c>) and their values.</summary>
    public Dictionary<string, string[]>? Enums { get; set; }
}

public sealed class SimulatorFollowerOptions
{
    public string OpenId { get; set; } = "";

    public string? UnionId { get; set; }

    public bool Subscribed { get; set; } = true;

    public List<int> TagIds { get; set; } = [];
}

public sealed class SimulatorRateLimit
{
    public int PermitLimit { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
