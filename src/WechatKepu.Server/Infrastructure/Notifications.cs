using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace WechatKepu.Server.Infrastructure;

/// <summary>
/// An in-memory cache that another instance's change must reach: it names a PostgreSQL NOTIFY channel,
/// hears what is sent on it, and is told when notifications may have been missed.
/// </summary>
public interface INotificationSubscriber
{
    string Channel { get; }

    void OnNotification(string payload);

    /// <summary>At (re)connection and every half minute: notifications may have been lost, drop what could be stale.</summary>
    void OnMissed();
}

public static class NotificationSetup
{
    /// <summary>Registers the singleton <typeparamref name="T"/> (already added) as a subscriber, and the listener once.</summary>
    public static IServiceCollection AddNotificationSubscriber<T>(this IServiceCollection services)
        where T : class, INotificationSubscriber
    {
        services.AddSingleton<INotificationSubscriber>(sp => sp.GetRequiredService<T>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, NotificationListener>());
        return services;
    }
}

/// <summary>
/// One listening connection per instance for every <see cref="INotificationSubscriber"/>: LISTENs on their
/// channels and hands each notification to its subscribers; after a dropped connection, and every half
/// minute as a backstop, it tells them all that notifications may have been missed.
/// </summary>
public sealed class NotificationListener(
    NpgsqlDataSource dataSource, IEnumerable<INotificationSubscriber> subscribers, ILogger<NotificationListener> logger) : BackgroundService
{
    private static readonly TimeSpan Backstop = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var byChannel = subscribers.GroupBy(s => s.Channel).ToDictionary(g => g.Key, g => g.ToArray());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(stoppingToken);
                conn.Notification += (_, e) =>
                {
                    foreach (var subscriber in byChannel.GetValueOrDefault(e.Channel) ?? [])
                    {
                        subscriber.OnNotification(e.Payload);
                    }
                };
                foreach (var channel in byChannel.Keys)
                {
                    await using var listen = new NpgsqlCommand($"LISTEN {channel}", conn);
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                try
                {
                    // Changes made while we were not listening.
                    Missed();
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        if (!await conn.WaitAsync(Backstop, stoppingToken))
                        {
                            Missed();
                        }
                    }
                }
                finally
                {
                    // Pooled connections are not reset on reuse (DataSetup): stop listening before handing it back.
                    await StopListeningAsync(conn);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Listening for {Channels} failed; retrying", string.Join(", ", byChannel.Keys));
                Missed();
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Missed()
    {
        foreach (var subscriber in subscribers)
        {
            subscriber.OnMissed();
        }
    }

    private static async Task StopListeningAsync(NpgsqlConnection conn)
    {
        if (conn.FullState != System.Data.ConnectionState.Open)
        {
            return; // broken or closed: the pool drops it
        }

        try
        {
            await using var unlisten = new NpgsqlCommand("UNLISTEN *", conn);
            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception)
        {
            NpgsqlConnection.ClearPool(conn); // could not tidy it: make sure nobody else gets it
        }
    }
}
