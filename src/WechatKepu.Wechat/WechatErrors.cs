using System.Collections.Frozen;

namespace WechatKepu.Wechat;

/// <summary>What a WeChat error tells the caller to do next.</summary>
public enum WechatErrorKind
{
    /// <summary>System busy, a quota/frequency limit, a timeout or a broken connection: nothing was carried out
    /// (or, for a transport failure, maybe it was); try later with backoff, or after
    /// <see cref="WechatError.RetryAfter"/> when the row says so, and only resend where the send carries an idempotency key.</summary>
    Retryable,

    /// <summary>The access token is invalid or expired: refresh the shared token once and retry once.</summary>
    Token,

    /// <summary>The user's state forbids the send (no grant, not a follower): permanent for this message.</summary>
    UserState,

    /// <summary>This channel cannot reach the user now (outside the 48 h customer-service window, or its
    /// message limit reached): use another channel, or report the user unreachable.</summary>
    ChannelClosed,

    /// <summary>The request itself is wrong (openid, template, page, data field): never retry.</summary>
    PermanentRequest,

    /// <summary>Secret, IP whitelist or API permission is wrong: fail loudly and alert staff.</summary>
    Configuration,

    /// <summary>A mini-program login code is invalid or used: the mini-program logs in again.</summary>
    LoginCode,

    /// <summary>code2session refuses a user WeChat judges high-risk (40226): retrying will not help.</summary>
    LoginBlocked,

    /// <summary>A mass send with this <c>clientmsgid</c> already went out (the answer carries its msg_id).</summary>
    AlreadySent,

    /// <summary>Anything not listed: treat as permanent until someone classifies it.</summary>
    Other,
}

/// <summary>One row of the errcode table.</summary>
/// <param name="Reason">Chinese, for staff reading a delivery report or a log.</param>
/// <param name="RetryAfter">For <see cref="WechatErrorKind.Retryable"/> codes that name their own wait (a per-minute
/// limit, a clientmsgid retried within a minute): retry no earlier than this; null means the caller's backoff.</param>
public sealed record WechatError(int Errcode, WechatErrorKind Kind, string Reason, TimeSpan? RetryAfter = null);

/// <summary>
/// The one errcode table: every code the product can receive from the APIs it calls, what it means and what
/// to do (docs/wechat-errors.md shows the same table). <see cref="Classify"/> and <see cref="Describe"/> read it;
/// a code not listed is <see cref="WechatErrorKind.Other"/>.
/// </summary>
public static class WechatErrors
{
    public const int SystemBusy = -1;
    public const int InvalidCredential = 40001;
    public const int InvalidOpenId = 40003;
    public const int InvalidAccessToken = 40014;
    public const int InvalidLoginCode = 40029;
    public const int InvalidTemplateId = 40037;
    public const int InvalidSecret = 40125;
    public const int InvalidOpenIdListSize = 40130;
    public const int LoginCodeUsed = 40163;
    public const int IpNotWhitelisted = 40164;
    public const int HighRiskUser = 40226;
    public const int InvalidPage = 41030;
    public const int AccessTokenExpired = 42001;
    public const int NotFollower = 43004;
    public const int SubscribeRefused = 43101;
    public const int QuotaExceeded = 45009;
    public const int ApiMinuteLimit = 45011;
    public const int OutsideCustomerServiceWindow = 45015;
    public const int CustomerServiceLimit = 45047;
    public const int MassQuotaUsedUp = 45028;
    public const int MassClientMsgIdUsed = 45065;
    public const int MassClientMsgIdRetried = 45066;
    public const int InvalidDataField = 47003;
    public const int ApiUnauthorized = 48001;
    public const int PublishCheckFailed = 53503;
    public const int UserAccessExpired = 61010;
    public const int RiskyContent = 87014;

    /// <summary>45011 at code2session: 100 logins per user a minute.</summary>
    public const int LoginRateLimited = ApiMinuteLimit;

    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);

    /// <summary>The table, in errcode order.</summary>
    public static IReadOnlyList<WechatError> Table { get; } =
    [
        new(SystemBusy, WechatErrorKind.Retryable, "微信系统繁忙，稍后自动重试"),
        new(InvalidCredential, WechatErrorKind.Token, "access_token 无效，已刷新后重试"),
        new(40002, WechatErrorKind.PermanentRequest, "grant_type 不正确（程序错误）"),
        new(InvalidOpenId, WechatErrorKind.PermanentRequest, "openid 无效：用户不属于该公众号或小程序"),
        new(40005, WechatErrorKind.PermanentRequest, "文件类型不支持：图片须为 JPG 或 PNG"),
        new(40007, WechatErrorKind.PermanentRequest, "素材 media_id 无效：素材已删除或不属于该账号"),
        new(40008, WechatErrorKind.PermanentRequest, "消息类型不正确（程序错误）"),
        new(40009, WechatErrorKind.PermanentRequest, "图片大小超出微信限制"),
        new(40013, WechatErrorKind.PermanentRequest, "appid 无效，请检查配置"),
        new(InvalidAccessToken, WechatErrorKind.Token, "access_token 不合法，已刷新后重试"),
        new(InvalidLoginCode, WechatErrorKind.LoginCode, "登录凭证 code 无效或已过期"),
        new(40032, WechatErrorKind.PermanentRequest, "openid 列表长度不正确（程序错误）"),
        new(40035, WechatErrorKind.PermanentRequest, "参数不正确（程序错误）"),
        new(InvalidTemplateId, WechatErrorKind.PermanentRequest, "模板 ID 无效：模板已删除或不属于该账号"),
        new(InvalidSecret, WechatErrorKind.Configuration, "AppSecret 错误，请管理员检查配置"),
        new(InvalidOpenIdListSize, WechatErrorKind.PermanentRequest, "群发名单人数不符（至少 2 人，至多 10000 人）"),
        new(LoginCodeUsed, WechatErrorKind.LoginCode, "登录凭证 code 已被使用"),
        new(IpNotWhitelisted, WechatErrorKind.Configuration, "服务器 IP 不在微信白名单中，请管理员添加"),
        new(40169, WechatErrorKind.PermanentRequest, "小程序码 scene 参数不正确"),
        new(HighRiskUser, WechatErrorKind.LoginBlocked, "微信判定该用户为高风险用户，禁止登录"),
        new(41001, WechatErrorKind.Configuration, "缺少 access_token（程序错误）"),
        new(InvalidPage, WechatErrorKind.PermanentRequest, "小程序页面路径不存在或未发布"),
        new(AccessTokenExpired, WechatErrorKind.Token, "access_token 已过期，已刷新后重试"),
        new(NotFollower, WechatErrorKind.UserState, "用户未关注公众号"),
        new(SubscribeRefused, WechatErrorKind.UserState, "用户拒收或订阅次数已用完"),
        new(44002, WechatErrorKind.PermanentRequest, "请求内容为空（程序错误）"),
        new(45003, WechatErrorKind.PermanentRequest, "图文标题超过微信限制（32 个字）"),
        new(45004, WechatErrorKind.PermanentRequest, "图文摘要超过微信限制（128 个字）"),
        new(QuotaExceeded, WechatErrorKind.Retryable, "接口调用超过频率或每日限额，稍后自动重试"),
        new(ApiMinuteLimit, WechatErrorKind.Retryable, "接口每分钟调用次数超限，一分钟后自动重试", OneMinute),
        new(OutsideCustomerServiceWindow, WechatErrorKind.ChannelClosed, "用户 48 小时内未与公众号互动，无法发送客服消息"),
        new(MassQuotaUsedUp, WechatErrorKind.PermanentRequest, "群发次数已用完（微信的群发额度），本期不能再群发"),
        new(CustomerServiceLimit, WechatErrorKind.ChannelClosed, "客服消息条数已达上限，需等用户再次互动"),
        new(MassClientMsgIdUsed, WechatErrorKind.AlreadySent, "该群发已发出（clientmsgid 已使用），沿用原 msg_id"),
        new(MassClientMsgIdRetried, WechatErrorKind.Retryable, "同一群发一分钟内重复提交，未发出，一分钟后用同一 clientmsgid 重试", OneMinute),
        new(45110, WechatErrorKind.PermanentRequest, "图文作者超过微信限制（16 个字）"),
        new(47001, WechatErrorKind.PermanentRequest, "请求数据格式错误（程序错误）"),
        new(InvalidDataField, WechatErrorKind.PermanentRequest, "模板数据字段不符合要求（长度或格式）"),
        new(ApiUnauthorized, WechatErrorKind.Configuration, "账号没有该接口权限，请管理员在微信后台开通"),
        new(48004, WechatErrorKind.Configuration, "接口已被微信封禁，请管理员查看微信后台通知"),
        new(PublishCheckFailed, WechatErrorKind.PermanentRequest, "草稿未通过微信的发布检查，请修改后再发布"),
        new(UserAccessExpired, WechatErrorKind.UserState, "用户近期未访问小程序（访问记录已过期），暂时无法为其调用"),
        new(61024, WechatErrorKind.Configuration, "第三方平台不能调用该接口，请检查配置"),
        new(RiskyContent, WechatErrorKind.PermanentRequest, "内容含有违法违规信息，微信拒绝发送"),
    ];

    private static readonly FrozenDictionary<int, WechatError> ByCode = Table.ToFrozenDictionary(e => e.Errcode);

    /// <summary>The table's row for <paramref name="errcode"/>; an unlisted code gets an <see cref="WechatErrorKind.Other"/> row.</summary>
    public static WechatError Describe(int errcode) =>
        ByCode.TryGetValue(errcode, out var row) ? row : new WechatError(errcode, WechatErrorKind.Other, $"微信返回未知错误码 {errcode}");

    /// <summary>Classifies a WeChat errcode into what the caller should do about it.</summary>
    public static WechatErrorKind Classify(int errcode) => Describe(errcode).Kind;
}
