using System.ComponentModel.DataAnnotations;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Npgsql;
using WechatKepu.Data;

namespace WechatKepu.Server.Infrastructure;

public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Run a Hangfire server (workers) in this instance. Web-only instances may turn it off.</summary>
    public bool RunServer { get; set; } = true;

    [Range(1, 200)]
    public int WorkerCount { get; set; } = 8;

    /// <summary>How often idle workers look for new jobs.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether recurring jobs are (re)registered at start; tests drive jobs by hand instead.</summary>
    public bool RegisterRecurring { get; set; } = true;

    /// <summary>
    /// When a Hangfire lock counts as abandoned. Hangfire.PostgreSql keeps its locks as rows that nothing
    /// renews or releases when a process is killed: one left by an instance that died while scheduling
    /// stops every instance's recurring jobs (the delivery tick among them) until it is this old. Hangfire
    /// holds its own locks for milliseconds; only a <c>DisableConcurrentExecution</c> job (the inbound
    /// purge, which is safe to overlap) holds one longer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// A module's recurring job, registered with the others in one place (<see cref="JobsSetup.UseKepuJobs"/>),
/// always in the Asia/Shanghai time zone.
/// </summary>
public sealed record RecurringJobDefinition(string Id, string Cron, Action<IRecurringJobManager, string, RecurringJobOptions> Register);

/// <summary>Hangfire on PostgreSQL: the one distributed engine for every scheduled and background job.</summary>
public static class JobsSetup
{
    public static IServiceCollection AddKepuJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHangfire((sp, config) =>
        {
            var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<JobsOptions>>().Value;
            var dataSource = sp.GetRequiredService<NpgsqlDataSource>();
            config.UseLogProvider(new HostLogProvider(sp.GetRequiredService<ILoggerFactory>()))
                .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings()
                .UsePostgreSqlStorage(o => o.UseConnectionFactory(new DataSourceConnectionFactory(dataSource)), new PostgreSqlStorageOptions
                {
                    SchemaName = "hangfire",
                    PrepareSchemaIfNecessary = true,
                    // A job's row stays invisible to other workers while its worker is alive, however long it runs.
                    UseSlidingInvisibilityTimeout = true,
                    InvisibilityTimeout = TimeSpan.FromMinutes(5),
                    QueuePollInterval = options.PollInterval,
                    DistributedLockTimeout = options.LockTimeout,
                });
        });

        if (!(configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new()).RunServer)
        {
            return services;
        }

        services.AddHangfireServer((sp, server) =>
        {
            var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<JobsOptions>>().Value;
            server.WorkerCount = options.WorkerCount;
            server.SchedulePollingInterval = options.PollInterval;
            server.Queues = ["critical", "default"];
        });

        return services;
    }

    /// <summary>Registers every module's recurring jobs in Asia/Shanghai time, and mounts the dashboard.</summary>
    public static WebApplication UseKepuJobs(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<JobsOptions>>().Value;
        if (options.RegisterRecurring)
        {
            var manager = app.Services.GetRequiredService<IRecurringJobManager>();
            var jobOptions = new RecurringJobOptions { TimeZone = Shanghai.Zone };
            foreach (var job in app.Services.GetServices<RecurringJobDefinition>())
            {
                job.Register(manager, job.Cron, jobOptions);
            }
        }

        // Admins only, signed in with the staff cookie (which is not the default scheme).
        app.UseHangfireDashboard("/console/hangfire", new DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [new StaffDashboardAuthorization()],
            DashboardTitle = "WechatKepu 后台任务",
            DisplayStorageConnectionString = false,
        });
        return app;
    }

    private sealed class StaffDashboardAuthorization : IDashboardAsyncAuthorizationFilter
    {
        public async Task<bool> AuthorizeAsync(DashboardContext context)
        {
            var result = await Microsoft.AspNetCore.Authentication.AuthenticationHttpContextExtensions.AuthenticateAsync(
                context.GetHttpContext(), Features.Staff.StaffPolicies.Scheme);
            return result.Succeeded && result.Principal.IsInRole(Features.Staff.StaffPolicies.Roles.Admin);
        }
    }

    private sealed class DataSourceConnectionFactory(NpgsqlDataSource dataSource) : IConnectionFactory
    {
        public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
    }
}

/// <summary>
/// Hangfire's log provider is process-wide, and Hangfire objects keep the loggers they were created with.
/// Where several hosts share a process (the test suites), an object created while the provider pointed at
/// another host's logger factory broke for good once that host was disposed: every later use threw
/// ObjectDisposedException and the endpoint answered 500. A logger from a disposed factory is silent here.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory factory) : Hangfire.Logging.ILogProvider
{
    private readonly Hangfire.AspNetCore.AspNetCoreLogProvider _inner = new(factory);

    public Hangfire.Logging.ILog GetLogger(string name)
    {
        try
        {
            return new QuietWhenDisposed(_inner.GetLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return new QuietWhenDisposed(null);
        }
    }

    private sealed class QuietWhenDisposed(Hangfire.Logging.ILog? inner) : Hangfire.Logging.ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                return inner?.Log(logLevel, messageFunc, exception) ?? false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
