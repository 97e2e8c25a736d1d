using System.Collections.Frozen;
using Npgsql;
using WechatKepu.Data.Callback;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Infrastructure;
using WechatKepu.Wechat.Messages;

namespace WechatKepu.Server.Features.Replies;

/// <summary>One keyword rule as the matcher holds it: its reply is <c>ReplyText</c>, or an image or news reply (<c>Rich</c>).</summary>
public sealed record KeywordRule(long Id, string Keyword, bool Exact, string? ReplyText, int Priority, bool Enabled, DateTimeOffset? From, DateTimeOffset? Until,
    WechatReply? Rich = null)
{
    /// <summary>What the callback answers with when this rule matches.</summary>
    public ImmediatePlan Plan => new(ReplyText, Rich);

    /// <summary>The passive reply a rule row stands for beyond text: an image by its media_id, a news card of one article.</summary>
    public static WechatReply? RichOf(ReplyRuleRow r) => r.ReplyKind switch
    {
        ReplyKinds.Image when r.MediaId is { } mediaId => new WechatImageReply(mediaId),
        ReplyKinds.News => new WechatNewsReply([new WechatNewsArticle(r.NewsTitle!, r.NewsDescription ?? "", r.NewsPicUrl ?? "", r.NewsUrl!)]),
        _ => null,
    };

    public bool ActiveAt(DateTimeOffset now) => Enabled && (From is null || now >= From) && (Until is null || now < Until);

    public bool Answers(string text, DateTimeOffset now) =>
        ActiveAt(now)
        && (Exact ? string.Equals(text, Keyword, StringComparison.OrdinalIgnoreCase) : text.Contains(Keyword, StringComparison.OrdinalIgnoreCase));
}

/// <summary>An account's auto-replies: rules in matching order, and the welcome and default texts.</summary>
public sealed record AccountReplies(IReadOnlyList<KeywordRule> Rules, string? WelcomeText, string? DefaultText)
{
    public static readonly AccountReplies Empty = new([], null, null);

    /// <summary>The first rule that answers, highest priority first, exact before contains, then oldest.</summary>
    public KeywordRule? Match(string text, DateTimeOffset now)
    {
        foreach (var rule in Rules)
        {
            if (rule.Answers(text, now))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>Rule <paramref name="id"/>'s reply, when it exists and answers now (a menu button naming it).</summary>
    public KeywordRule? ById(long id, DateTimeOffset now) =>
        Rules.FirstOrDefault(r => r.Id == id) is { } rule && rule.ActiveAt(now) ? rule : null;
}

/// <summary>
/// The keyword rules and welcome/default texts of every account, in memory: a callback matches without
/// touching the database. A change through <see cref="ReplyRuleStore"/> invalidates this instance at
/// once and every other instance through LISTEN/NOTIFY (<see cref="NotificationListener"/>).
/// </summary>
public sealed class ReplyEngine(ReplyRuleStore store) : INotificationSubscriber
{
    public string Channel => ReplyRuleStore.Channel;

    public void OnNotification(string payload) => Invalidate();

    public void OnMissed() => Invalidate();

    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Snapshot? _snapshot;
    private long _version;

    /// <summary>Marks the cache stale; the next read reloads.</summary>
    public void Invalidate() => Interlocked.Increment(ref _version);

    public async ValueTask<AccountReplies> ForAsync(string appId, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is null || snapshot.Version != Interlocked.Read(ref _version))
        {
            snapshot = await ReloadAsync(cancellationToken);
        }

        return snapshot.Accounts.GetValueOrDefault(appId) ?? AccountReplies.Empty;
    }

    private async Task<Snapshot> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            var version = Interlocked.Read(ref _version);
            if (_snapshot is { } current && current.Version == version)
            {
                return current;
            }

            // Read after taking the version: a change committed meanwhile bumps it again and reloads once more.
            var (rules, settings) = await store.LoadAllAsync(cancellationToken);
            var settingsByApp = settings.ToDictionary(s => s.AppId, StringComparer.Ordinal);
            var apps = rules.Select(r => r.AppId).Concat(settingsByApp.Keys).Distinct(StringComparer.Ordinal);
            var accounts = apps.ToFrozenDictionary(app => app, app =>
            {
                var ordered = rules.Where(r => r.AppId == app)
                    .OrderByDescending(r => r.Priority).ThenBy(r => r.MatchKind == "exact" ? 0 : 1).ThenBy(r => r.Id)
                    .Select(r => new KeywordRule(r.Id, r.Keyword, r.MatchKind == "exact", r.ReplyText, r.Priority, r.Enabled,
                        Utc(r.ActiveFrom), Utc(r.ActiveUntil), KeywordRule.RichOf(r)))
                    .ToArray();
                var s = settingsByApp.GetValueOrDefault(app);
                return new AccountReplies(ordered, NullIfEmpty(s?.WelcomeText), NullIfEmpty(s?.DefaultText));
            }, StringComparer.Ordinal);
            var snapshot = new Snapshot(version, accounts);
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _reload.Release();
        }
    }

    private static DateTimeOffset? Utc(DateTime? value) =>
        value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private sealed record Snapshot(long Version, FrozenDictionary<string, AccountReplies> Accounts);
}
