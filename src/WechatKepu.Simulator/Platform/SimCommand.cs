using System.Net.Http.Json;

namespace WechatKepu.Simulator.Platform;

/// <summary>
/// <c>dotnet run --project src/WechatKepu.Simulator -- sim [--sim-url http://127.0.0.1:5107] …</c>: the <c>/_sim</c> hooks of a
/// running simulator from the command line.
/// <list type="bullet">
/// <item><c>fail OPENID ERRCODE [--path P] [--count N]</c>: the user's next send(s) answer ERRCODE (e.g. 45011, 43101).</item>
/// <item><c>drop-after OPENID [--path P]</c>: the user's next send is delivered and its answer lost.</item>
/// <item><c>window APPID OPENID</c>: the user wrote to the account: the 48-hour customer-service window opens.</item>
/// <item><c>receipt template APPID OPENID MSGID [STATUS]</c>, <c>receipt subscribe APPID OPENID TEMPLATEID MSGID [ERRORCODE]</c>: queue a receipt.</item>
/// <item><c>deliver</c>: post the queued receipts to the backend now (with <c>Simulator:AutoDeliverReceipts=false</c>).</item>
/// </list>
/// </summary>
public static class SimCommand
{
    private const string Usage = "usage: sim [--sim-url URL] (fail OPENID ERRCODE [--path P] [--count N] | drop-after OPENID [--path P] | window APPID OPENID"
        + " | receipt template APPID OPENID MSGID [STATUS] | receipt subscribe APPID OPENID TEMPLATEID MSGID [ERRORCODE] | deliver)";

    public static async Task<int> RunAsync(string[] args)
    {
        string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var words = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal))).ToArray();
        using var http = new HttpClient { BaseAddress = new Uri(Option("--sim-url") ?? "http://127.0.0.1:5107") };
        var count = int.TryParse(Option("--count"), out var n) ? n : 1;
        (string Path, object Body)? call = words switch
        {
            ["fail", var openId, var errcode] when int.TryParse(errcode, out var code) =>
                ("/_sim/faults", new { errcode = code, openId, path = Option("--path"), count }),
            ["drop-after", var openId] => ("/_sim/faults", new { deliverThenDrop = true, openId, path = Option("--path"), count }),
            ["window", var appId, var openId] => ("/_sim/window", new { appId, openId }),
            ["receipt", "template", var appId, var openId, var msgId, ..] when long.TryParse(msgId, out var id) =>
                ("/_sim/receipts", new { kind = "template", appId, openId, msgId = id, status = words.ElementAtOrDefault(5) ?? "success" }),
            ["receipt", "subscribe", var appId, var openId, var templateId, var msgId, ..] when long.TryParse(msgId, out var id) =>
                ("/_sim/receipts", new { kind = "subscribe", appId, openId, templateId, msgId = id, errorCode = int.TryParse(words.ElementAtOrDefault(6), out var e) ? e : 0 }),
            ["deliver"] => ("/_sim/receipts/deliver", new { }),
            _ => null,
        };
        if (call is not { } c)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        using var response = await http.PostAsJsonAsync(c.Path, c.Body);
        Console.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.IsSuccessStatusCode ? 0 : 1;
    }
}
