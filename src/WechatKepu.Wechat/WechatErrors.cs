namespace WechatKepu.Wechat;

/// <summary>What a WeChat error tells the caller to do next.</summary>
public enum WechatErrorKind
{
    /// <summary>System busy, a quota/frequency limit, a timeout or a broken connection: try later, and
    /// only resend where the send carries an idempotency key.</summary>
    Retryable,

    /// <summary>The access token is invalid or expired: refresh the shared token once and retry once.</summary>
    Token,

    /// <summary>The user's state forbids the send (no grant, not a follower, outside the 48 h window).</summary>
    UserState,

    /// <summary>The request itself is wrong (openid, template, page, data field): never retry.</summary>
    PermanentRequest,

    /// <summary>Secret, IP whitelist or API permission is wrong: fail loudly and alert staff.</summary>
    Configuration,

    /// <summary>A mini-program login code is invalid, used, or logins are rate limited.</summary>
    LoginCode,

    /// <summary>A mass send with this <c>clientmsgid</c> already went out.</summary>
    AlreadySent,

    /// <summary>Anything not listed: treat as permanent until someone classifies it.</summary>
    Other,
}

/// <summary>The errcodes WechatKepu branches on, and their classification.</summary>
public static class WechatErrors
{
    public const int SystemBusy = -1;
    public const int InvalidCredential = 40001;
    public const int InvalidOpenId = 40003;
    public const int InvalidAccessToken = 40014;
    public const int InvalidLoginCode = 40029;
    public const int InvalidTemplateId = 40037;
    public const int InvalidSecret = 40125;
    public const int LoginCodeUsed = 40163;
    public const int IpNotWhitelisted = 40164;
    public const int InvalidPage = 41030;
    public const int AccessTokenExpired = 42001;
    public const int NotFollower = 43004;
    public const int SubscribeRefused = 43101;
    public const int QuotaExceeded = 45009;
    public const int LoginRateLimited = 45011;
    public const int OutsideCustomerServiceWindow = 45015;
    public const int MassClientMsgIdUsed = 45065;
    public const int MassClientMsgIdRetried = 45066;
    public const int InvalidDataField = 47003;
    public const int ApiUnauthorized = 48001;
    public const int RiskyContent = 87014;

    /// <summary>Classifies a WeChat errcode into what the caller should do about it.</summary>
    public static WechatErrorKind Classify(int errcode) => errcode switch
    {
        SystemBusy or QuotaExceeded => WechatErrorKind.Retryable,
        // 45011 is also a frequency limit, but at the login endpoint the user has to start over.
        InvalidCredential or InvalidAccessToken or AccessTokenExpired => WechatErrorKind.Token,
        SubscribeRefused or NotFollower or OutsideCustomerServiceWindow => WechatErrorKind.UserState,
        InvalidOpenId or InvalidTemplateId or InvalidPage or InvalidDataField or RiskyContent
            or 40002 // invalid grant_type
            or 40008 // invalid message type
            or 40013 // invalid appid
            or 40130 // openid list size
            or 40169 // invalid scene
            or 44002 // empty post data
            or 47001 // malformed JSON / arguments
            => WechatErrorKind.PermanentRequest,
        InvalidSecret or IpNotWhitelisted or ApiUnauthorized
            or 48004 // API banned
            or 61024 // third-party platform cannot call this API
            => WechatErrorKind.Configuration,
        InvalidLoginCode or LoginCodeUsed or LoginRateLimited => WechatErrorKind.LoginCode,
        MassClientMsgIdUsed or MassClientMsgIdRetried => WechatErrorKind.AlreadySent,
        _ => WechatErrorKind.Other,
    };
}
