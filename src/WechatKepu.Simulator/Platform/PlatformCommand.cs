using System.Globalization;

namespace WechatKepu.Simulator.Platform;

/// <summary>
/// <c>dotnet run --project src/WechatKepu.Simulator -- send --url http://127.0.0.1:5000 --app wx… --token …
/// [--aes-key …] [--mode plaintext|compatible|safe] [--from openid] (text 内容 | subscribe [scene] | unsubscribe | click KEY | image | verify)</c>:
/// posts one callback like WeChat and prints the decrypted reply.
/// </summary>
public static class PlatformCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal))).ToArray();
        if (Option("--url") is not { } url || Option("--app") is not { } appId || Option("--token") is not { } token || positional.Length == 0)
        {
            Console.Error.WriteLine("usage: send --url URL --app APPID --token TOKEN [--aes-key KEY] [--mode plaintext|compatible|safe] [--from OPENID] (text 内容 | subscribe [scene] | unsubscribe | click KEY | image | verify)");
            return 2;
        }

        var mode = Enum.Parse<CallbackMode>(Option("--mode") ?? (Option("--aes-key") is null ? "plaintext" : "safe"), ignoreCase: true);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using var platform = new WechatPlatform(http, new PlatformAccount(appId, token, Option("--aes-key")));
        var from = Option("--from") ?? "o-cli-follower";
        var gh = platform.Account.OriginalId;
        var rest = positional.Skip(1).ToArray();
        if (positional[0] == "verify")
        {
            var (status, body) = await platform.VerifyUrlAsync("echo-" + platform.NextMsgId().ToString(CultureInfo.InvariantCulture));
            Console.WriteLine($"{(int)status} {body}");
            return status == System.Net.HttpStatusCode.OK ? 0 : 1;
        }

        var xml = positional[0] switch
        {
            "text" => platform.Text(from, string.Join(' ', rest)),
            "subscribe" => PlatformMessages.Subscribe(gh, from, platform.Now, rest.FirstOrDefault()),
            "unsubscribe" => PlatformMessages.Unsubscribe(gh, from, platform.Now),
            "click" => PlatformMessages.Click(gh, from, platform.Now, rest.FirstOrDefault() ?? ""),
            "image" => PlatformMessages.Image(gh, from, platform.Now, platform.NextMsgId()),
            _ => throw new ArgumentException($"unknown message kind {positional[0]}"),
        };
        var reply = await platform.PostAsync(xml, mode);
        Console.WriteLine($"{(int)reply.Status} after {reply.Attempts} tr{(reply.Attempts == 1 ? "y" : "ies")}");
        Console.WriteLine(reply.Xml ?? reply.Body);
        return (int)reply.Status < 300 ? 0 : 1;
    }
}
