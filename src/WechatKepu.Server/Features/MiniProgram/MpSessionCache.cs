using System.Collections.Concurrent;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>
/// Login sessions this instance has read, for a minute: a parent's requests in a row (open the
/// mini-program, look at a session, sign up) authenticate without a query each. Every instance forgets a
/// guardian's sessions as soon as the erase that deletes them commits (<see cref="MpUserStore.SessionsRevokedChannel"/>),
/// and everything after a lost notification; expiry is checked on every hit.
/// </summary>
public sealed class MpSessionCache : INotificationSubscriber
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, (LoginSession Session, DateTimeOffset ReadAt)> _entries = new(StringComparer.Ordinal);
    private long _generation;

    public string Channel => MpUserStore.SessionsRevokedChannel;

    /// <summary>Taken before reading a session from the database, and handed to <see cref="Remember"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public LoginSession? Find(string key, DateTimeOffset now) =>
        _entries.TryGetValue(key, out var entry) && now - entry.ReadAt < Lifetime && entry.Session.ExpiresAt > now.UtcDateTime
            ? entry.Session
            : null;

    /// <summary>
    /// Keeps a session read at <paramref name="now"/>, unless anything was forgotten since
    /// <paramref name="generation"/>: a read that raced an erase must not outlive it here.
    /// </summary>
    public void Remember(string key, LoginSession session, DateTimeOffset now, long generation)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[key] = (session, now);
        if (Generation != generation)
        {
            _entries.TryRemove(key, out _);
        }
    }

    /// <summary>Forgets every session of the guardian (erased on this instance or, by notification, another).</summary>
    public void Forget(long userId)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (key, entry) in _entries)
        {
            if (entry.Session.UserId == userId)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    public void OnNotification(string payload)
    {
        if (long.TryParse(payload, out var userId))
        {
            Forget(userId);
        }
        else
        {
            OnMissed();
        }
    }

    public void OnMissed()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }
}
