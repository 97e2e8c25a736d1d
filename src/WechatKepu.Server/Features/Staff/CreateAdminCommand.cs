using WechatKepu.Data.Embedded;
using WechatKepu.Data.Migrations;
using WechatKepu.Data.Staff;

namespace WechatKepu.Server.Features.Staff;

/// <summary>
/// <c>--create-admin &lt;name&gt;</c>: creates the first admin (or resets that admin's password) and exits.
/// The password comes from <c>KEPU_ADMIN_PASSWORD</c> or the first line of standard input, never from
/// the command line, where it would stay in the shell history and the process list.
/// </summary>
public static class CreateAdminCommand
{
    public const string Switch = "--create-admin";

    public static bool IsRequested(string[] args) => args.Contains(Switch);

    /// <summary>Null when the switch is absent; otherwise the process exit code.</summary>
    public static async Task<int?> RunAsync(WebApplication app, string[] args)
    {
        if (!IsRequested(args))
        {
            return null;
        }

        try
        {
            return await CreateAsync(app, args);
        }
        finally
        {
            // The host never runs for a command: stop the embedded cluster if this process started it (not
            // one a running server uses).
            if (app.Services.GetService<EmbeddedPostgres>() is { StartedHere: true } embedded)
            {
                await embedded.DisposeAsync();
            }
        }
    }

    private static async Task<int> CreateAsync(WebApplication app, string[] args)
    {
        var at = Array.IndexOf(args, Switch);

        var username = at + 1 < args.Length ? args[at + 1] : "";
        var password = Environment.GetEnvironmentVariable("KEPU_ADMIN_PASSWORD");
        if (string.IsNullOrEmpty(password))
        {
            System.Console.Error.WriteLine($"Password for {username} (one line on standard input):");
            password = System.Console.In.ReadLine();
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(username, "^[A-Za-z0-9_.-]{2,40}$"))
        {
            System.Console.Error.WriteLine($"Usage: {Switch} <name> (2–40 letters, digits or _ . -), password in KEPU_ADMIN_PASSWORD or on stdin.");
            return 2;
        }

        if (password is null || password.Length < StaffAccountsApi.MinPasswordLength)
        {
            System.Console.Error.WriteLine($"The password must have at least {StaffAccountsApi.MinPasswordLength} characters.");
            return 2;
        }

        await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync();
        var store = app.Services.GetRequiredService<StaffStore>();
        var hash = StaffAccountsApi.Hasher.HashPassword(new StaffAccountRow(), password);
        var id = await store.CreateAsync(new NewStaffAccount(username, username, StaffPolicies.Roles.Admin, null, hash, null), CancellationToken.None);
        var existing = id is null ? await store.FindAsync(username, CancellationToken.None) : null;
        if (existing is not null)
        {
            await store.UpdateAsync(existing.Id, existing.DisplayName, StaffPolicies.Roles.Admin, null, existing.Openid, false, hash, CancellationToken.None);
        }

        await app.Services.GetRequiredService<AuditLog>().WriteAsync(id ?? existing?.Id, "command line",
            id is null ? "staff.reset_admin" : "staff.create_admin", $"staff:{id ?? existing?.Id}", new { username },
            app.Services.GetRequiredService<TimeProvider>().GetUtcNow(), CancellationToken.None);
        System.Console.WriteLine(id is null ? $"Admin {username} exists: password reset, account enabled." : $"Admin {username} created.");
        return 0;
    }
}
