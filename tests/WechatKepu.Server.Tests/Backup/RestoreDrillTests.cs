using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using WechatKepu.Benchmarks.Load;
using WechatKepu.Data.Delivery;
using WechatKepu.Data.Embedded;
using WechatKepu.Server.Tests.Infrastructure;
using WechatKepu.Simulator;
using WechatKepu.Testing;
using Xunit.Abstractions;

namespace WechatKepu.Server.Tests.Backup;

/// <summary>
/// The restore drill of docs/operations.md ("Restore, step by step"), run by the test itself: a database
/// filled through the API by real server processes, backed up with the binary's <c>--backup</c> while a
/// server runs, the machine lost, the backup restored with <c>--restore</c> into a fresh cluster (the
/// embedded default in a new folder), and a server started on it.
/// </summary>
public sealed class RestoreDrillTests(ITestOutputHelper output)
{
    private const string MpAppId = "wx5c4e1d0b2a3f6e7d";
    private const string MpSecret = "drill-mp-secret";
    private const string OaAppId = "wx8a7b6c5d4e3f2a1b";
    private const string OaSecret = "drill-oa-secret";
    private const string ReminderTemplate = "drill-tmpl-reminder";
    private const string PromotedTemplate = "drill-tmpl-promoted";
    private const string CancelledTemplate = "drill-tmpl-cancelled";
    private const string AdminName = "drill-admin";
    private const string AdminPassword = "drill-admin-password";
    private const string SubscribePath = "/cgi-bin/message/subscribe/send";
    private const string MassSendPath = "/cgi-bin/message/mass/sendall";

    [Fact]
    public async Task A_backup_restored_into_a_fresh_cluster_has_the_same_rows_and_a_server_on_it_carries_on_sending_nothing_twice()
    {
        var work = Directory.CreateTempSubdirectory("kepu-drill-").FullName;
        var dump = Path.Combine(work, "kepu.dump");
        var freshCluster = Path.Combine(RepoRoot.Find(), ".data", "pg-tests", $"restore-drill-{Guid.NewGuid():N}");
        var original = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateDatabaseAsync("drill")) { Pooling = false }.ConnectionString;
        await using var simulator = await SimulatorHost.StartAsync();
        var wechat = simulator.Simulator;
        wechat.AddAccount(MpAppId, MpSecret);
        wechat.AddAccount(OaAppId, OaSecret);
        for (var i = 0; i < 3; i++)
        {
            wechat.AddFollower(OaAppId, $"oFollowerDrill{i:D14}");
        }

        ServerProcess? restored = null;
        try
        {
            // Quiet hours on the original from an hour ago to two hours ahead (Asia/Shanghai): non-urgent deliveries wait (in
            // flight), urgent ones go out. A window that ends soon, not one that lasts all day: the planner skips a reminder that
            // could only go out after quiet hours with less than half its lead left, so with quiet hours ending at midnight the
            // 24 h reminder of a session 20 h ahead was planned only when the test ran in Shanghai's evening.
            var shanghaiNow = TimeOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
            var quiet = new Dictionary<string, string>
            {
                ["Delivery__QuietHoursStart"] = shanghaiNow.AddHours(-1).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                ["Delivery__QuietHoursEnd"] = shanghaiNow.AddHours(2).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
            };
            var onOriginal = Environment(simulator.BaseUrl, quiet);
            onOriginal["ConnectionStrings__Kepu"] = original;

            var admin = await ServerProcess.RunAsync(new Dictionary<string, string>(onOriginal) { ["KEPU_ADMIN_PASSWORD"] = AdminPassword }, "--create-admin", AdminName);
            Assert.True(admin.Exit == 0, admin.ToString());

            // The original, with its job server: sign-ups, a waiting list, a promotion, a check-in, a cancelled session.
            Filled filled;
            await using (var first = await ServerProcess.StartAsync(onOriginal))
            {
                try
                {
                    filled = await FillAsync(first.BaseUrl, wechat, original);
                }
                catch (Exception e) when (e is Xunit.Sdk.XunitException or TimeoutException)
                {
                    throw new InvalidOperationException($"{e.Message}\nthe original server said:\n{first.Output}", e);
                }
            }

            // A web-only instance (no job server) on the same database: the broadcast staff schedule now can only
            // fire once the backup is restored, never on the machine that is lost.
            long broadcastId;
            var webOnly = new Dictionary<string, string>(onOriginal) { ["Jobs__RunServer"] = "false" };
            var staffCookies = new CookieContainer();
            await using (var web = await ServerProcess.StartAsync(webOnly))
            {
                using var staff = await StaffAsync(web.BaseUrl, staffCookies);
                var created = await JsonAsync(await staff.PostAsJsonAsync("/api/console/broadcasts", new
                {
                    appId = OaAppId, title = "科普日活动预告", kind = "text", text = "全国科普日柳州主场活动本周六开始，欢迎参加。", audience = "all",
                }), HttpStatusCode.Created);
                broadcastId = created.GetProperty("id").GetInt64();
                var scheduled = await JsonAsync(await staff.PostAsJsonAsync($"/api/console/broadcasts/{broadcastId}/schedule",
                    new { at = DateTimeOffset.UtcNow.AddSeconds(3) }));
                Assert.Equal("scheduled", scheduled.GetProperty("status").GetString());

                // The nightly backup, taken while the service runs.
                var backup = await ServerProcess.RunAsync(ServerCommand.On(original), "--backup", dump);
                Assert.True(backup.Exit == 0, backup.ToString());
                output.WriteLine(backup.Stdout);
            }

            // The machine is lost (runbook step 1: nothing runs on the old database any more).
            var before = await ServerCommand.FingerprintAsync(original);
            Assert.Equal(0, wechat.CountCalls(MassSendPath));
            var inFlight = await ScalarAsync<long>(original, "SELECT count(*) FROM deliveries WHERE status = 'pending'");
            Assert.True(inFlight >= 2, $"deliveries in flight at the backup: {inFlight}");

            // Steps 2–4: a fresh, empty cluster (the embedded default in a new folder), the same configuration, --restore.
            var onFresh = Environment(simulator.BaseUrl, []);
            onFresh["Database__EmbeddedDirectory"] = freshCluster;
            var restore = await ServerProcess.RunAsync(onFresh, "--restore", dump);
            Assert.True(restore.Exit == 0, restore.ToString());
            output.WriteLine(restore.Stdout);
            Assert.Contains("up to date", restore.Stdout);
            Assert.Contains($"{inFlight} deliveries pending or sending, 1 broadcasts scheduled or sending", restore.Stdout);

            // Run again by mistake: refused, in one line.
            var again = await ServerProcess.RunAsync(onFresh, "--restore", dump);
            Assert.True(again.Exit == Features.Backup.BackupCommand.Exit.Refused, again.ToString());
            Assert.Contains("already has", Assert.Single(again.Stderr.Split('\n')));

            // The same rows, table by table, sequences included.
            var fresh = await EmbeddedPostgres.StartAsync(freshCluster, "kepu");
            var restoredDb = new NpgsqlConnectionStringBuilder(fresh.ConnectionString("kepu")) { Pooling = false }.ConnectionString;
            Assert.Equal(before, await ServerCommand.FingerprintAsync(restoredDb));

            // Step 6: one server on the restored database, jobs on, no quiet hours now.
            restored = await ServerProcess.StartAsync(onFresh);
            using var http = new HttpClient { BaseAddress = new Uri(restored.BaseUrl) };

            // Staff still sign in, and a staff cookie issued before the backup still holds (the Data Protection
            // key ring came back with the database); check-in codes issued before still verify; parents' logins still hold.
            using (var earlier = new HttpClient(new HttpClientHandler { CookieContainer = staffCookies }) { BaseAddress = new Uri(restored.BaseUrl) })
            {
                Assert.Equal(AdminName, (await JsonAsync(await earlier.GetAsync("/api/console/me"))).GetProperty("username").GetString());
            }

            using var console = await StaffAsync(restored.BaseUrl);
            var checkin = await JsonAsync(await console.PostAsJsonAsync("/api/console/checkin", new { code = filled.PromotedCode, confirm = true }));
            Assert.Equal("checked_in", checkin.GetProperty("outcome").GetString());
            var second = await JsonAsync(await console.PostAsJsonAsync("/api/console/checkin", new { code = filled.CheckedInCode, confirm = true }));
            Assert.Equal("already_checked_in", second.GetProperty("outcome").GetString());
            using (var mine = new HttpRequestMessage(HttpMethod.Get, "/api/mp/signups"))
            {
                mine.Headers.Authorization = new AuthenticationHeaderValue("Bearer", filled.PromotedToken);
                Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(mine)).StatusCode);
            }

            // The scheduled broadcast fires once; the deliveries in flight go out, each once.
            await WaitUntilAsync(async () => await ScalarAsync<string>(restoredDb, $"SELECT status FROM broadcasts WHERE id = {broadcastId}") is "sent" or "completed",
                "the scheduled broadcast was sent", restored);
            await WaitUntilAsync(async () => await ScalarAsync<long>(restoredDb, "SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending')") == 0,
                "the deliveries in flight went out", restored);
            Assert.Equal(1, wechat.CountCalls(MassSendPath));
            Assert.Equal(1L, await ScalarAsync<long>(restoredDb,
                "SELECT count(*) FROM hangfire.job WHERE invocationdata::text LIKE '%BroadcastJob%' AND statename = 'Succeeded'"));

            // No delivery sent twice: WeChat received exactly one call per delivery row recorded as sent, before
            // the backup (the cancellation notices) and after the restore (the promotion and the reminders).
            var sentRows = (await QueryAsync<(string OpenId, string Template)>(restoredDb, """
                SELECT d.openid, c.mp_template_id FROM deliveries d JOIN delivery_campaigns c ON c.id = d.campaign_id
                WHERE d.status = 'sent' AND d.channel = 'mp_subscribe'
                """)).GroupBy(r => $"{r.OpenId} {r.Template}").ToDictionary(g => g.Key, g => g.Count());
            var calls = wechat.CallsTo(SubscribePath)
                .GroupBy(c => $"{c.OpenId} {JsonDocument.Parse(c.Body!).RootElement.GetProperty("template_id").GetString()}")
                .ToDictionary(g => g.Key, g => g.Count());
            output.WriteLine(string.Join('\n', calls.OrderBy(c => c.Key).Select(c => $"{c.Key}: {c.Value}")));
            Assert.Equal(sentRows.OrderBy(r => r.Key), calls.OrderBy(c => c.Key));
            Assert.Contains(calls, c => c.Key.EndsWith(CancelledTemplate, StringComparison.Ordinal));
            Assert.Contains(calls, c => c.Key.EndsWith(PromotedTemplate, StringComparison.Ordinal));
            Assert.Contains(calls, c => c.Key.EndsWith(ReminderTemplate, StringComparison.Ordinal));
            Assert.Equal(0L, await ScalarAsync<long>(restoredDb, "SELECT count(*) FROM deliveries WHERE status IN ('failed', 'unknown')"));
        }
        finally
        {
            if (restored is not null)
            {
                await restored.DisposeAsync();
            }

            if (Directory.Exists(freshCluster))
            {
                // Attach to the restored cluster (left running by the commands) and stop it.
                await (await EmbeddedPostgres.StartAsync(freshCluster, "postgres")).DisposeAsync();
                Directory.Delete(freshCluster, recursive: true);
            }

            Directory.Delete(work, recursive: true);
            await TestPostgres.DropDatabaseAsync(original);
        }
    }

    /// <summary>What the test needs from the filled database: codes and a login issued before the backup.</summary>
    private sealed record Filled(string CheckedInCode, string PromotedCode, string PromotedToken);

    /// <summary>
    /// Through the API: two sessions, five parents with children and subscribe grants; in the first session two
    /// confirmed, two waitlisted, one cancellation promoting the first waiting, one child checked in; the second
    /// session cancelled by staff (urgent notices, sent at once). Waits until those notices are sent and the
    /// promotion and reminders are planned but held by quiet hours.
    /// </summary>
    private static async Task<Filled> FillAsync(string baseUrl, WechatSimulator wechat, string db)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        using var staff = await StaffAsync(baseUrl);
        var activities = await JsonAsync(await staff.GetAsync("/api/console/activities?q=5.1.2"));
        var activity = activities.GetProperty("items").EnumerateArray().First(a => a.GetProperty("code").GetString() == "5.1.2").GetProperty("id").GetInt64();
        var soon = await CreateSessionAsync(staff, activity, DateTimeOffset.UtcNow.AddHours(20), capacity: 2, waitlist: 2);
        var later = await CreateSessionAsync(staff, activity, DateTimeOffset.UtcNow.AddDays(3), capacity: 5, waitlist: 0);

        // 28-character openids, as WeChat's are.
        var parents = await RemoteParents.PrepareAsync([http], wechat, MpAppId, 5, prefix: "oBackupDrillRestore0000000", parallelism: 5);
        for (var i = 0; i < parents.Length; i++)
        {
            foreach (var template in new[] { ReminderTemplate, PromotedTemplate, CancelledTemplate })
            {
                wechat.GrantSubscribe(MpAppId, $"oBackupDrillRestore0000000-{i}", template);
            }

            await MpAsync(http, parents[i].Token, HttpMethod.Post, "/api/mp/subscriptions", new
            {
                results = new Dictionary<string, string> { [ReminderTemplate] = "accept", [PromotedTemplate] = "accept", [CancelledTemplate] = "accept" },
            });
        }

        var signups = new List<JsonElement>();
        foreach (var (parent, session) in new[] { (0, soon), (1, soon), (2, soon), (3, soon), (3, later), (4, later) })
        {
            signups.Add(await MpAsync(http, parents[parent].Token, HttpMethod.Post, $"/api/mp/sessions/{session}/signups",
                new { childIds = new[] { parents[parent].ChildId } }, HttpStatusCode.Created));
        }

        Assert.Equal(["confirmed", "confirmed", "waitlisted", "waitlisted", "confirmed", "confirmed"], signups.Select(s => s.GetProperty("outcome").GetString()));
        long SignupId(int i) => signups[i].GetProperty("signups")[0].GetProperty("id").GetInt64();
        await MpAsync(http, parents[1].Token, HttpMethod.Delete, $"/api/mp/signups/{SignupId(1)}");

        var firstCode = (await MpAsync(http, parents[0].Token, HttpMethod.Get, $"/api/mp/signups/{SignupId(0)}/checkin-code")).GetProperty("code").GetString()!;
        var promotedCode = (await MpAsync(http, parents[2].Token, HttpMethod.Get, $"/api/mp/signups/{SignupId(2)}/checkin-code")).GetProperty("code").GetString()!;
        Assert.Equal("checked_in", (await JsonAsync(await staff.PostAsJsonAsync("/api/console/checkin", new { code = firstCode, confirm = true }))).GetProperty("outcome").GetString());
        await JsonAsync(await staff.PostAsJsonAsync($"/api/console/sessions/{later}/cancel", new { reason = "场馆检修" }));

        await WaitUntilAsync(async () => await ScalarAsync<bool>(db, $"""
            SELECT count(*) FILTER (WHERE c.kind = '{CampaignKinds.SessionCancelled}' AND d.status = 'sent') = 2
               AND count(*) FILTER (WHERE c.kind = '{CampaignKinds.WaitlistPromoted}' AND d.status = 'pending') = 1
               AND count(*) FILTER (WHERE c.kind = '{CampaignKinds.SessionReminder}' AND d.status = 'pending') >= 1
            FROM deliveries d JOIN delivery_campaigns c ON c.id = d.campaign_id
            """), "the cancellation notices were sent and the promotion and reminders are held", null);
        return new Filled(firstCode, promotedCode, parents[2].Token);
    }

    private static async Task<long> CreateSessionAsync(HttpClient staff, long activity, DateTimeOffset starts, int capacity, int waitlist)
    {
        var created = await JsonAsync(await staff.PostAsJsonAsync($"/api/console/activities/{activity}/sessions", new
        {
            title = "科学实验课", startsAt = starts, endsAt = starts.AddHours(2), venue = "柳州科技馆一楼", capacity, waitlistCapacity = waitlist,
            signupOpensAt = DateTimeOffset.UtcNow.AddHours(-1), signupClosesAt = starts.AddHours(-2), cancelDeadline = starts.AddHours(-1),
            minGrade = 1, maxGrade = 9,
        }), HttpStatusCode.Created);
        return created.GetProperty("id").GetInt64();
    }

    /// <summary>The server's configuration on both machines: the same WeChat accounts and secrets (the runbook's step 3).</summary>
    private static Dictionary<string, string> Environment(string simulatorUrl, Dictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>
        {
            // Testing: staff cookies over plain http (elsewhere they are https-only).
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["Wechat__ApiBaseUrl"] = simulatorUrl,
            ["Wechat__MiniProgram__AppId"] = MpAppId,
            ["Wechat__MiniProgram__AppSecret"] = MpSecret,
            ["Wechat__MiniProgram__Templates__0__Id"] = ReminderTemplate,
            ["Wechat__MiniProgram__Templates__0__Purpose"] = "session_reminder",
            ["Wechat__MiniProgram__Templates__0__Title"] = "活动开始提醒",
            ["Wechat__MiniProgram__Templates__1__Id"] = PromotedTemplate,
            ["Wechat__MiniProgram__Templates__1__Purpose"] = "waitlist_promoted",
            ["Wechat__MiniProgram__Templates__1__Title"] = "候补成功通知",
            ["Wechat__MiniProgram__Templates__2__Id"] = CancelledTemplate,
            ["Wechat__MiniProgram__Templates__2__Purpose"] = "session_cancelled",
            ["Wechat__MiniProgram__Templates__2__Title"] = "活动取消通知",
            ["Wechat__OfficialAccounts__0__AppId"] = OaAppId,
            ["Wechat__OfficialAccounts__0__AppSecret"] = OaSecret,
            ["Wechat__OfficialAccounts__0__Token"] = "drilltoken",
            ["Wechat__OfficialAccounts__0__Name"] = "健康柳州",
            ["Jobs__PollInterval"] = "00:00:00.200",
            // The original instance is killed, as a lost machine would be: its scheduler lock counts as abandoned soon.
            ["Jobs__LockTimeout"] = "00:00:05",
            ["Delivery__TickCron"] = "* * * * * *",
            ["Delivery__QuietHoursStart"] = "00:00",
            ["Delivery__QuietHoursEnd"] = "00:00",
        };
        foreach (var (k, v) in extra)
        {
            environment[k] = v;
        }

        return environment;
    }

    /// <summary>A console client signed in as the drill's admin, with an antiforgery token for writes.</summary>
    private static async Task<HttpClient> StaffAsync(string baseUrl, CookieContainer? cookies = null)
    {
        var staff = new HttpClient(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer() }) { BaseAddress = new Uri(baseUrl) };
        await staff.UseAntiforgeryAsync();
        await JsonAsync(await staff.PostAsJsonAsync("/api/console/login", new { username = AdminName, password = AdminPassword }));
        await staff.UseAntiforgeryAsync();
        return staff;
    }

    private static async Task<JsonElement> MpAsync(HttpClient http, string token, HttpMethod method, string url, object? body = null,
        HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await JsonAsync(await http.SendAsync(request), expected);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<T?> ScalarAsync<T>(string db, string sql)
    {
        await using var conn = new NpgsqlConnection(db);
        return await conn.ExecuteScalarAsync<T>(sql);
    }

    private static async Task<IEnumerable<T>> QueryAsync<T>(string db, string sql)
    {
        await using var conn = new NpgsqlConnection(db);
        return await conn.QueryAsync<T>(sql);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, ServerProcess? server)
    {
        try
        {
            await ServerProcess.WaitUntilAsync(condition, what, TimeSpan.FromMinutes(2), poll: 200);
        }
        catch (TimeoutException) when (server is not null)
        {
            throw new TimeoutException($"timed out waiting until {what}; the server said:\n{server.Output}");
        }
    }
}
