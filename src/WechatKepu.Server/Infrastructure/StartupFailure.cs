using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace WechatKepu.Server.Infrastructure;

/// <summary>
/// A server that cannot start (bad settings, no database, a port in use), or a command (<c>--migrate</c>,
/// <c>--create-admin</c>) that fails, says why in one line on standard error and exits with
/// <see cref="ExitCode"/>, instead of an unhandled-exception stack trace an operator has to read through.
/// Once the server is up, failures are logged as usual.
/// </summary>
public static class StartupFailure
{
    public const int ExitCode = 1;

    public const string Prefix = "WechatKepu could not start: ";

    // The generic host logs a failed start ("Hosting failed to start", with the stack trace) at Error
    // before rethrowing; the one line replaces it. Critical (a background service stopping the host) stays.
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private static volatile bool _started;

    /// <summary>
    /// Called first thing in <c>Program</c>. Only in the real process: where tests host the server, its
    /// start-up failures are the test's to report.
    /// </summary>
    public static void ReportInOneLine()
    {
        if (Assembly.GetEntryAssembly() != typeof(StartupFailure).Assembly)
        {
            return;
        }

        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (_started || e.ExceptionObject is not Exception exception)
            {
                return;
            }

            Console.Error.WriteLine(Prefix + Describe(exception));
            Console.Error.Flush();
            Console.Out.Flush();
            Environment.Exit(ExitCode);
        };
    }

    /// <summary>Quietens the host's own report of a failed start (see <see cref="ReportInOneLine"/>).</summary>
    public static void AddStartupFailureReport(this WebApplicationBuilder builder)
    {
        if (Assembly.GetEntryAssembly() != typeof(StartupFailure).Assembly)
        {
            return;
        }

        builder.Logging.AddFilter(HostCategory, level => level >= LogLevel.Warning && (_started || level != LogLevel.Error));
        builder.Services.AddHostedService<StartedMarker>();
    }

    /// <summary>What went wrong, in one line an operator can act on.</summary>
    public static string Describe(Exception exception)
    {
        var text = exception switch
        {
            OptionsValidationException options =>
                $"invalid settings: {string.Join("; ", options.Failures)} (every key is described in appsettings.template.json)",
            PostgresException postgres =>
                $"PostgreSQL refused the connection: {postgres.MessageText} ({postgres.SqlState}); check ConnectionStrings__Kepu",
            NpgsqlException npgsql when Find<SocketException>(npgsql) is { } socket =>
                $"cannot reach PostgreSQL: {npgsql.Message} ({socket.Message}); check ConnectionStrings__Kepu and that the server is running",
            NpgsqlException npgsql =>
                $"PostgreSQL: {Chain(npgsql)}; check ConnectionStrings__Kepu",
            _ => Chain(exception),
        };
        return text.ReplaceLineEndings(" ");
    }

    private static string Chain(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (!parts.Exists(p => p.Contains(e.Message, StringComparison.OrdinalIgnoreCase)))
            {
                parts.Add(e.Message);
            }
        }

        return string.Join(": ", parts);
    }

    private static T? Find<T>(Exception exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    private sealed class StartedMarker(IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() => _started = true);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
