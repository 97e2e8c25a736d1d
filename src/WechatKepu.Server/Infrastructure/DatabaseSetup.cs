using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using WechatKepu.Data;
using WechatKepu.Data.Catalogue;
using WechatKepu.Data.Embedded;
using WechatKepu.Data.Migrations;

namespace WechatKepu.Server.Infrastructure;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Apply pending migrations at start; null means "in every environment but Production".</summary>
    public bool? MigrateOnStart { get; set; }

    /// <summary>Load the shipped campaign catalogue at start (idempotent).</summary>
    public bool SeedCatalogue { get; set; } = true;

    /// <summary>
    /// With the catalogue, also load its made-up sample sessions (for trying sign-ups out); null means only in the
    /// environments the team works in (Development, Testing, Benchmark), never on a real install.
    /// </summary>
    public bool? SeedSampleSessions { get; set; }

    public bool SeedsSampleSessions(IHostEnvironment environment) =>
        SeedSampleSessions ?? (environment.IsDevelopment() || environment.IsEnvironment("Testing") || environment.IsEnvironment("Benchmark"));

    /// <summary>Folder of the embedded cluster used when no connection string is set.</summary>
    public string? EmbeddedDirectory { get; set; }

    [Range(1, 100_000)]
    public int EmbeddedMaxConnections { get; set; } = 300;

    /// <summary>
    /// Connections this server holds to PostgreSQL at most, unless the connection string names its own
    /// Maximum Pool Size. A few per database core is enough: more only adds backends that compete for
    /// the same cores (docs/benchmarks.md, sign-up race).
    /// </summary>
    [Range(1, 1_000)]
    public int MaxPoolSize { get; set; } = 16;
}

public static class DatabaseSetup
{
    public const string ConnectionStringName = "Kepu";

    /// <summary>
    /// Uses <c>ConnectionStrings:Kepu</c> when set; otherwise (development and tests) starts a private
    /// PostgreSQL cluster from the machine's binaries and stops it when the host stops.
    /// </summary>
    /// <param name="embeddedInAnyEnvironment">
    /// Also fall back to the embedded cluster in Production: for one-off commands such as
    /// <c>--create-admin</c>, which the bare binary runs as Production, to work on the development default.
    /// </param>
    public static async Task AddKepuDatabaseAsync(this WebApplicationBuilder builder, bool embeddedInAnyEnvironment = false)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new();
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (builder.Environment.IsProduction() && !embeddedInAnyEnvironment)
            {
                throw new InvalidOperationException(
                    "ConnectionStrings__Kepu is not set. In production point it at your PostgreSQL server; " +
                    "the embedded cluster is for development and tests only (ASPNETCORE_ENVIRONMENT=Development).");
            }

            var dir = options.EmbeddedDirectory ?? Path.Combine(RepoRoot.Find(builder.Environment.ContentRootPath), ".data", "postgres");
            using var loggerFactory = LoggerFactory.Create(l => l.AddConsole());
            if (builder.Environment.IsProduction())
            {
                loggerFactory.CreateLogger<EmbeddedPostgres>().LogWarning(
                    "ConnectionStrings__Kepu is not set: using the embedded development database in {Dir}", dir);
            }

            var embedded = await EmbeddedPostgres.StartAsync(dir, "kepu",
                new EmbeddedPostgresOptions { MaxConnections = options.EmbeddedMaxConnections },
                loggerFactory.CreateLogger<EmbeddedPostgres>());
            connectionString = embedded.ConnectionString("kepu");
            builder.Configuration[$"ConnectionStrings:{ConnectionStringName}"] = connectionString;
            // Registered first so that it stops last, after everything that still talks to the database.
            builder.Services.AddHostedService(_ => new EmbeddedPostgresLifetime(embedded));
            // For commands that exit without running the host (they stop it themselves).
            builder.Services.AddSingleton(embedded);
        }

        // An out-of-range size is left to the options validation at start, which names the setting.
        NpgsqlDataSource dataSource;
        try
        {
            dataSource = DataSetup.CreateDataSource(connectionString, options.MaxPoolSize is >= 1 and <= 1_000 ? options.MaxPoolSize : null);
        }
        catch (ArgumentException e)
        {
            // The message names the bad keyword, never a value (the string may hold a password).
            throw new InvalidOperationException($"ConnectionStrings__Kepu is not a valid PostgreSQL connection string: {e.Message}");
        }

        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton<SchemaMigrator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
    }

    /// <summary>Applies migrations (unless disabled) and loads the catalogue.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value;
        var migrator = app.Services.GetRequiredService<SchemaMigrator>();
        if (options.MigrateOnStart ?? !app.Environment.IsProduction())
        {
            await migrator.MigrateAsync(cancellationToken);
        }
        else
        {
            // An edited applied migration stops the server whether or not it migrates.
            await migrator.CheckAppliedUneditedAsync(cancellationToken);
        }

        var pending = await migrator.PendingAsync(cancellationToken);
        if (pending.Count > 0)
        {
            app.Logger.LogError("Database schema is behind by {Count} migrations ({Versions}); run the server once with --migrate",
                pending.Count, string.Join(", ", pending));
            return;
        }

        if (await migrator.DifferingRoutinesAsync(cancellationToken) is { Count: > 0 } routines)
        {
            app.Logger.LogWarning("Database functions or views differ from this build's ({Routines}); run the server once with --migrate",
                string.Join(", ", routines));
        }

        if (options.SeedCatalogue)
        {
            await ActivatorUtilities.CreateInstance<CatalogueSeeder>(app.Services).SeedAsync(options.SeedsSampleSessions(app.Environment), cancellationToken);
        }

        // Load the server keys now, not on first use: a sign-up that has committed must not then fail
        // (and answer 503) because reading the check-in key found the database busy.
        var secrets = app.Services.GetRequiredService<WechatKepu.Data.Parents.SecretStore>();
        await secrets.GetAsync(Features.MiniProgram.CheckinCodes.KeyName, cancellationToken);
        await secrets.GetAsync(Features.MiniProgram.MpLogin.TokenKeyName, cancellationToken);
    }

    private sealed class EmbeddedPostgresLifetime(EmbeddedPostgres server) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await server.DisposeAsync();
    }
}
