using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using WechatKepu.Data.Embedded;
using WechatKepu.Testing;

namespace WechatKepu.Benchmarks.Load;

/// <summary>
/// <c>peer-compare SCRIPT [rounds] [Setting=value…]</c>: our callback against node-webot's <c>wechat</c> middleware
/// through the shared comparison script (the same safe-mode payloads, wrk, alternated). Starts the backend as its
/// own Release process on a fresh database of the benchmark cluster with the script's account and a 活动 keyword
/// reply (what both answer), runs the script and prints its result as a figure. Settings are the server's
/// configuration (e.g. <c>Callback__AsyncClaimCommit=true</c>).
/// </summary>
public static partial class PeerCompare
{
    private const string AppId = "wx1234567890abcdef";
    private const string Token = "benchtoken";
    private const string AesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    public static async Task<int> RunAsync(string[] args)
    {
        var script = args.Length > 0 ? args[0] : throw new ArgumentException("peer-compare SCRIPT [rounds] [Setting=value…]");
        var rounds = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 2;
        var settings = args.Skip(2).Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

        await using var pg = await EmbeddedPostgres.StartAsync(Path.Combine(RepoRoot.Find(), ".data", "pg-bench"), "postgres");
        var db = $"bench_peer_{DateTime.UtcNow:yyyyMMddHHmmss}";
        await pg.EnsureDatabaseAsync(db);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Kepu"] = pg.ConnectionString(db),
            ["Wechat__ApiBaseUrl"] = "http://127.0.0.1:9",
            ["Wechat__OfficialAccounts__0__AppId"] = AppId,
            ["Wechat__OfficialAccounts__0__AppSecret"] = "peer-secret",
            ["Wechat__OfficialAccounts__0__Token"] = Token,
            ["Wechat__OfficialAccounts__0__EncodingAESKey"] = AesKey,
            ["Jobs__RunServer"] = "false",
            ["ASPNETCORE_ENVIRONMENT"] = "Benchmark",
        };
        foreach (var (k, v) in settings)
        {
            environment[k] = v;
        }

        await using (var server = await ServerProcess.StartAsync(environment))
        {
            await using (var conn = new NpgsqlConnection(pg.ConnectionString(db)))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand("""
                    WITH r AS (INSERT INTO reply_rules (app_id, keyword, match_kind, reply_text)
                               VALUES ($1, '活动', 'exact', '本周活动：科学实验秀，周六 9:30，柳州科技馆。') RETURNING app_id)
                    SELECT pg_notify('kepu_reply_rules', app_id) FROM r
                    """, conn);
                cmd.Parameters.Add(new NpgsqlParameter { Value = AppId });
                await cmd.ExecuteNonQueryAsync();
            }

            await Task.Delay(500); // the rule cache reloads on the notification
            var psi = new ProcessStartInfo("bash", [script, server.BaseUrl, AppId, Token, AesKey, rounds.ToString()]) { RedirectStandardOutput = true };
            using var compare = Process.Start(psi)!;
            string? last = null;
            while (await compare.StandardOutput.ReadLineAsync() is { } line)
            {
                Console.WriteLine(line);
                last = line.StartsWith("callbacks/s", StringComparison.Ordinal) ? line : last;
            }

            await compare.WaitForExitAsync();
            if (last is not null && Result().Match(last) is { Success: true } m)
            {
                var label = settings.Count == 0 ? "defaults" : string.Join(' ', settings.Select(s => $"{s.Key}={s.Value}"));
                BenchReport.Figure($"callbacks against node-webot `wechat` ({label})", "peer",
                    $"ours {m.Groups[1].Value}/s, peer {m.Groups[2].Value}/s, **{m.Groups[3].Value}×**");
            }
        }

        NpgsqlConnection.ClearAllPools();
        await pg.DropDatabaseAsync(db);
        return 0;
    }

    [GeneratedRegex(@"ours=(\d+) peer\(node-webot\)=(\d+) ratio=([\d.]+)")]
    private static partial Regex Result();
}
