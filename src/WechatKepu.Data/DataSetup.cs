using Npgsql;

namespace WechatKepu.Data;

public static class DataSetup
{
    private static int _initialised;

    /// <summary>Process-wide Dapper settings: snake_case columns map to PascalCase members.</summary>
    public static void Initialise()
    {
        if (Interlocked.Exchange(ref _initialised, 1) == 0)
        {
            Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        }
    }

    /// <summary>
    /// The one data source of the process. <paramref name="maxPoolSize"/> applies unless the connection
    /// string names its own Maximum Pool Size.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString, int? maxPoolSize = null)
    {
        Initialise();
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (maxPoolSize is { } max && !NamesPoolSize(connectionString))
        {
            builder.ConnectionStringBuilder.MaxPoolSize = max;
        }

        // Our statements are few and hot: let Npgsql prepare them once per connection, not plan them per call.
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 100;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        // Npgsql resets a pooled connection's session on every reuse (seven statements: RESET ALL,
        // pg_advisory_unlock_all(), UNLISTEN *, …), which cost PostgreSQL more than a batched callback
        // claim. Nothing here leaves session state behind: the two session advisory locks (migrations, the
        // access-token refresh) and the rule listener's LISTEN undo themselves, and everything else is
        // transaction-scoped.
        builder.ConnectionStringBuilder.NoResetOnClose = true;

        return builder.Build();
    }

    private static bool NamesPoolSize(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(k => k.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() is "maximumpoolsize" or "maxpoolsize");
}
