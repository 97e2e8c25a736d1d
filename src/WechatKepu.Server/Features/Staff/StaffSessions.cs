using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Staff;

/// <summary>
/// Checks every staff cookie against its account: the session ends once the account is gone or disabled,
/// or its security stamp (new on every change of role, unit, password or on disabling) differs from the
/// cookie's. A read trusts what this instance read in the last minute; a write always reads the row. An
/// account change is sent to every instance (<see cref="StaffStore.ChangedChannel"/>), which forgets the
/// account at once; after a lost notification everything is read afresh.
/// </summary>
public sealed class StaffSessions(StaffStore store, TimeProvider clock) : INotificationSubscriber
{
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromMinutes(1);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<long, (StaffAccountRow? Row, DateTimeOffset ReadAt)> _entries = new();
    private long _generation;

    public string Channel => StaffStore.ChangedChannel;

    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var principal = context.Principal;
        var stamp = principal?.FindFirstValue(StaffAuth.StampClaim);
        if (principal?.Actor().Id is not { } id || string.IsNullOrEmpty(stamp)
            || await AccountAsync(id, fresh: !IsRead(http.Request.Method), http.RequestAborted) is not { Disabled: false } account
            || !string.Equals(account.SecurityStamp, stamp, StringComparison.Ordinal))
        {
            context.RejectPrincipal();
            await http.SignOutAsync(StaffPolicies.Scheme);
        }
    }

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    private async Task<StaffAccountRow?> AccountAsync(long id, bool fresh, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!fresh && _entries.TryGetValue(id, out var entry) && now - entry.ReadAt < RecheckAfter && now >= entry.ReadAt)
        {
            return entry.Row;
        }

        var generation = Interlocked.Read(ref _generation);
        var row = await store.GetAsync(id, cancellationToken);
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[id] = (row, now);
        // A read that raced a change must not outlive the change's notification here.
        if (Interlocked.Read(ref _generation) != generation)
        {
            _entries.TryRemove(id, out _);
        }

        return row;
    }

    /// <summary>Forgets an account (changed on this instance or, by notification, another).</summary>
    public void Forget(long id)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(id, out _);
    }

    public void OnNotification(string payload)
    {
        if (long.TryParse(payload, out var id))
        {
            Forget(id);
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
