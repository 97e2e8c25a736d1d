using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Console;

/// <summary><c>--create-admin</c> run as the real server binary against the fixture's database.</summary>
public sealed class CreateAdminCommandTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    private async Task<(int Exit, string Output)> RunAsync(string? envPassword, string? stdin, params string[] args)
    {
        var server = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(server);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.WorkingDirectory = Path.GetDirectoryName(server)!;
        start.Environment["ConnectionStrings__Kepu"] = app.ConnectionString;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Jobs__RunServer"] = "false";
        start.Environment.Remove("KEPU_ADMIN_PASSWORD");
        if (envPassword is not null)
        {
            start.Environment["KEPU_ADMIN_PASSWORD"] = envPassword;
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteLineAsync(stdin);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task Rotate_checkin_key_keeps_the_old_key_as_the_previous_one()
    {
        const string Key = "SELECT encode(value, 'hex') FROM server_secrets WHERE name = ";
        var before = await app.ScalarAsync<string>(Key + "'checkin-hmac'");
        Assert.NotNull(before);
        var (exit, output) = await RunAsync(null, null, "--rotate-checkin-key");
        Assert.True(exit == 0, output);
        Assert.Contains("Check-in key rotated", output);
        Assert.Equal(before, await app.ScalarAsync<string>(Key + "'checkin-hmac.previous'"));
        Assert.NotEqual(before, await app.ScalarAsync<string>(Key + "'checkin-hmac'"));
    }

    [Fact]
    public async Task Create_admin_from_the_environment_or_stdin_then_sign_in()
    {
        var (exit, output) = await RunAsync("first-admin-pass", null, "--create-admin", "boss");
        Assert.True(exit == 0, output);
        Assert.Contains("Admin boss created", output);
        Assert.Equal("admin", await app.ScalarAsync<string>("SELECT role FROM staff_accounts WHERE username = 'boss'"));

        // Run again with a new password from stdin: the same admin, password reset.
        (exit, output) = await RunAsync(null, "second-admin-pass", "--create-admin", "boss");
        Assert.True(exit == 0, output);
        Assert.Equal(1, await app.ScalarAsync<long>("SELECT count(*) FROM staff_accounts WHERE username = 'boss'"));

        using var browser = app.Anonymous();
        await browser.UseAntiforgeryAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsJsonAsync("/api/console/login", new { username = "boss", password = "first-admin-pass" })).StatusCode);
        var me = await (await browser.PostAsJsonAsync("/api/console/login", new { username = "boss", password = "second-admin-pass" })).JsonAsync();
        Assert.Equal("admin", me.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Create_admin_refuses_a_short_password_or_a_bad_name()
    {
        var (exit, output) = await RunAsync("short", null, "--create-admin", "tiny");
        Assert.Equal(2, exit);
        Assert.Contains("at least", output);
        (exit, _) = await RunAsync("long-enough-pass", null, "--create-admin", "有 空格");
        Assert.Equal(2, exit);
        Assert.Equal(0, await app.ScalarAsync<long>("SELECT count(*) FROM staff_accounts WHERE username IN ('tiny')"));
    }
}
