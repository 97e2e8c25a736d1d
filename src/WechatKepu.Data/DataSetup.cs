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

    /// <summary>The one data source of the process.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        Initialise();
        var builder = new NpgsqlDataSourceBuilder(connectionString);
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
}
