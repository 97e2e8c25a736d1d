using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace WechatKepu.Simulator;

/// <summary>
/// The simulated WeChat platform's state: accounts, followers, tokens, login codes, subscribe grants,
/// mass sends, injected faults and the record of every call. Thread-safe and lock-free on the send
/// path; serve it over HTTP with <see cref="SimulatorHost"/> or <c>app.MapWechatSimulator(simulator)</c>.
/// </summary>
public sealed partial class WechatSimulator
{
    private readonly ConcurrentDictionary<string, Account> _accounts = new();
    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new();
    private readonly ConcurrentDictionary<string, LoginCode> _loginCodes = new();
    private readonly ConcurrentDictionary<(string AppId, string OpenId, string TemplateId), StrongBox<int>> _grants = new();
    private readonly ConcurrentQueue<SimulatorCall> _calls = new();
    private long _sequence;
    // WeChat's ids are 19-digit numbers (e.g. 1700827132819554304): so are ours, from a random start.
    private long _nextMsgId = 1_700_000_000_000_000_000 + (System.Security.Cryptography.RandomNumberGenerator.GetInt32(1 << 30) * 100_000L);

    public WechatSimulator(SimulatorOptions? options = null, TimeProvider? timeProvider = null, IReceiptSink? receipts = null)
    {
        Options = options ?? new SimulatorOptions();
        Time = timeProvider ?? TimeProvider.System;
        Receipts = receipts;
        foreach (var account in Options.Accounts)
        {
            AddAccount(account.AppId, account.Secret);
            foreach (var templateId in account.TemplateIds)
            {
                AddTemplate(account.AppId, templateId);
            }

            foreach (var t in account.Templates)
            {
                AddTemplate(account.AppId, new SimTemplate(t.Id, t.Title, t.Content, t.Example, t.Type, Enums: t.Enums));
            }

            foreach (var page in account.Pages)
            {
                AddPage(account.AppId, page);
            }

            foreach (var follower in account.Followers)
            {
                AddFollower(account.AppId, follower.OpenId, follower.UnionId, follower.Subscribed, follower.TagIds.ToArray());
            }
        }

        Limits = new RateLimits(Time);
        foreach (var (path, limit) in Options.RateLimits)
        {
            Limits.Set(path, limit.PermitLimit, limit.Window);
        }
    }

    public SimulatorOptions Options { get; }

    public TimeProvider Time { get; }

    public SimulatorFaults Faults { get; } = new();

    /// <summary>Per-path, per-appId call limits (45009 beyond them).</summary>
    public RateLimits Limits { get; }

    /// <summary>Where receipts of successful sends go; null produces none.</summary>
    public IReceiptSink? Receipts { get; set; }

    /// <summary>Every call received so far, in arrival order.</summary>
    // Sequence numbers are taken just before the enqueue, so two concurrent calls can enqueue out of
    // order: readers get the record sorted by sequence, i.e. in arrival order.
    public IReadOnlyList<SimulatorCall> Calls => _calls.OrderBy(c => c.Sequence).ToArray();

    public IReadOnlyList<SimulatorCall> CallsTo(string path) => _calls.Where(c => c.Path == path).OrderBy(c => c.Sequence).ToArray();

    public int CountCalls(string path, int? errcode = null) =>
        _calls.Count(c => c.Path == path && (errcode is null || c.Errcode == errcode));

    public void ClearCalls() => _calls.Clear();

    public void AddAccount(string appId, string secret) => _accounts[appId] = new Account(appId, secret);

    /// <summary>Registers a template id; once an account has any, others answer 40037.</summary>
    public void AddTemplate(string appId, string templateId)
    {
        var account = GetAccount(appId);
        account.RemovedTemplateIds.TryRemove(templateId, out _);
        account.TemplateIds[templateId] = 0;
    }

    /// <summary>Registers a published mini-program page; once an account has any, getwxacodeunlimit checks against them.</summary>
    public void AddPage(string appId, string page) => GetAccount(appId).Pages[page] = 0;

    /// <summary>Creates a tag as tags/create would; returns its id.</summary>
    public int AddTag(string appId, string name)
    {
        var account = GetAccount(appId);
        var id = Interlocked.Increment(ref account.NextTagId);
        account.Tags[id] = name;
        return id;
    }

    public void AddFollower(string appId, string openId, string? unionId = null, bool subscribed = true, params int[] tagIds)
    {
        var follower = new Follower(openId, unionId, Time.GetUtcNow()) { Subscribed = subscribed };
        foreach (var tagId in tagIds)
        {
            follower.TagIds[tagId] = 0;
        }

        GetAccount(appId).Followers[openId] = follower;
    }

    public void Unfollow(string appId, string openId) => GetAccount(appId).Followers[openId].Subscribed = false;

    /// <summary>The user sent the account a message now: opens the 48 h customer-service window.</summary>
    public void UserMessaged(string appId, string openId) =>
        GetAccount(appId).Followers[openId].LastMessageTicks = Time.GetUtcNow().UtcTicks;

    /// <summary>
    /// A wx.login code for <paramref name="openId"/>: redeemable once, within <see cref="SimulatorOptions.LoginCodeLifetime"/>,
    /// by <paramref name="appId"/> (or by any account when null).
    /// </summary>
    public string IssueLoginCode(string openId, string? appId = null, string? unionId = null)
    {
        var code = "code_" + Guid.NewGuid().ToString("N");
        _loginCodes[code] = new LoginCode(appId, openId, unionId, Time.GetUtcNow());
        return code;
    }

    /// <summary>The user accepted <paramref name="count"/> one-time subscriptions to <paramref name="templateId"/>.</summary>
    public void GrantSubscribe(string appId, string openId, string templateId, int count = 1) =>
        Interlocked.Add(ref _grants.GetOrAdd((appId, openId, templateId), _ => new StrongBox<int>()).Value, count);

    /// <summary>Subscribe grants left; the real platform does not tell, tests may.</summary>
    public int GrantsLeft(string appId, string openId, string templateId) =>
        _grants.TryGetValue((appId, openId, templateId), out var box) ? Volatile.Read(ref box.Value) : 0;

    /// <summary>The token stable_token currently hands out for <paramref name="appId"/>, if any.</summary>
    public string? CurrentToken(string appId) => GetAccount(appId).Current?.Value;

    /// <summary>
    /// Makes the current token fail API calls with 40001 while stable_token's normal mode keeps returning it,
    /// as happens when WeChat revokes a token behind our back: only force_refresh gets out of it.
    /// </summary>
    public void RejectCurrentToken(string appId)
    {
        if (GetAccount(appId).Current is { } token)
        {
            token.Rejected = true;
        }
    }

    private Account GetAccount(string appId) =>
        _accounts.TryGetValue(appId, out var account) ? account : throw new ArgumentException($"No simulated account {appId}.", nameof(appId));

    private long NextMsgId() => Interlocked.Increment(ref _nextMsgId);

    private void Record(SimulatorCall call) => _calls.Enqueue(call with { Sequence = Interlocked.Increment(ref _sequence) });

    private sealed class Account(string appId, string secret)
    {
        public string AppId => appId;

        public string Secret => secret;

        public Lock TokenLock { get; } = new();

        public IssuedToken? Current { get; set; }

        public DateTimeOffset LastForceRefresh { get; set; } = DateTimeOffset.MinValue;

        public (DateOnly Day, int Count) ForceRefreshes { get; set; }

        public ConcurrentDictionary<string, byte> TemplateIds { get; } = new();

        /// <summary>Templates the account deleted: 40037 even while it has no other.</summary>
        public ConcurrentDictionary<string, byte> RemovedTemplateIds { get; } = new();

        public ConcurrentDictionary<string, byte> Pages { get; } = new();

        public ConcurrentDictionary<string, Follower> Followers { get; } = new();

        public ConcurrentDictionary<int, string> Tags { get; } = new();

        public int NextTagId = 99;

        public ConcurrentDictionary<(string OpenId, string ClientMsgId), Sent> TemplateDedup { get; } = new();

        public ConcurrentDictionary<string, Sent> MassDedup { get; } = new();

        public ConcurrentDictionary<long, MassJob> MassJobs { get; } = new();
    }

    private sealed class Follower(string openId, string? unionId, DateTimeOffset subscribedAt)
    {
        public string OpenId => openId;

        public string? UnionId => unionId;

        public DateTimeOffset SubscribedAt => subscribedAt;

        public volatile bool Subscribed;

        public long LastMessageTicks;

        public ConcurrentDictionary<int, byte> TagIds { get; } = new();
    }

    private sealed class IssuedToken(string appId, string value, DateTimeOffset expiresAt)
    {
        public string AppId => appId;

        public string Value => value;

        public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

        public volatile bool Rejected;
    }

    private sealed record LoginCode(string? AppId, string OpenId, string? UnionId, DateTimeOffset IssuedAt)
    {
        public int Used;
    }

    private sealed record Sent(long MsgId, DateTimeOffset At);

    private sealed record MassJob(long MsgId, int Recipients)
    {
        public volatile string Status = "SEND_SUCCESS";
    }
}

/// <summary>Fixed-window call limits per API path and appId, as WeChat's frequency limits answer 45009.</summary>
public sealed class RateLimits(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (int Limit, TimeSpan Window)> _limits = new();
    private readonly ConcurrentDictionary<(string Path, string AppId), Window> _windows = new();

    public void Set(string path, int permitLimit, TimeSpan window)
    {
        _limits[path] = (permitLimit, window);
        foreach (var key in _windows.Keys.Where(k => k.Path == path))
        {
            _windows.TryRemove(key, out _);
        }
    }

    public void Clear(string path) => _limits.TryRemove(path, out _);

    internal bool TryAcquire(string path, string appId)
    {
        if (_limits.IsEmpty || !_limits.TryGetValue(path, out var limit))
        {
            return true;
        }

        var window = _windows.GetOrAdd((path, appId), _ => new Window());
        var now = time.GetUtcNow();
        lock (window)
        {
            if (now - window.Start >= limit.Window)
            {
                (window.Start, window.Count) = (now, 0);
            }

            return ++window.Count <= limit.Limit;
        }
    }

    private sealed class Window
    {
        public DateTimeOffset Start = DateTimeOffset.MinValue;
        public int Count;
    }
}
