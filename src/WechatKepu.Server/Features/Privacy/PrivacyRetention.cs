using System.ComponentModel.DataAnnotations;
using Hangfire;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Privacy;

public sealed class PrivacyOptions
{
    public const string Section = "Privacy";

    /// <summary>Days after a session ends before its sign-ups lose the link to the child and guardian.</summary>
    [Range(1, 3650)]
    public int PurgeSignupsAfterDays { get; set; } = 90;
}

/// <summary>
/// Children's data is kept no longer than needed (PIPL): a nightly job anonymises the sign-ups of
/// sessions that ended more than <see cref="PrivacyOptions.PurgeSignupsAfterDays"/> days ago and drops
/// expired login sessions. Idempotent: a second run finds nothing.
/// </summary>
public sealed class PurgeSignupDetailsJob(RetentionStore store, TimeProvider clock, IOptions<PrivacyOptions> options, ILogger<PurgeSignupDetailsJob> logger)
{
    public const string Id = "privacy-purge-signup-details";

    [AutomaticRetry(Attempts = 3)]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (signups, logins) = await store.PurgeAsync(now.AddDays(-options.Value.PurgeSignupsAfterDays), now, cancellationToken);
        logger.LogInformation("Privacy purge: {Signups} sign-ups anonymised, {Logins} expired logins removed", signups, logins);
    }
}
