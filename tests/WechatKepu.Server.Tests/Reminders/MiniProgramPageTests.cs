using System.Text.RegularExpressions;
using WechatKepu.Data.Embedded;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Reminders;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.Reminders;

/// <summary>
/// Every mini-program page the backend can send (options' defaults, constants in the code, the shipped
/// settings) must be a page of miniprogram/app.json: WeChat refuses a subscribe message to any other page
/// (41030), and a link to one opens an error screen.
/// </summary>
public sealed partial class MiniProgramPageTests
{
    [GeneratedRegex(@"pages/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+")]
    private static partial Regex PagePath();

    private static IEnumerable<(string Where, string Page)> PagesTheBackendSends()
    {
        yield return ("RemindersOptions.MiniProgramPage", new RemindersOptions().MiniProgramPage);
        yield return ("CallbackOptions.SessionPagePath", new CallbackOptions().SessionPagePath);

        var root = RepoRoot.Find();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith("appsettings", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Append(Path.Combine(root, "appsettings.template.json"));
        foreach (var file in files)
        {
            foreach (Match m in PagePath().Matches(File.ReadAllText(file)))
            {
                yield return (Path.GetRelativePath(root, file), m.Value);
            }
        }
    }

    [Fact]
    public void Every_page_the_backend_can_send_exists_in_the_mini_program()
    {
        var pages = MiniProgramPages.All().ToHashSet(StringComparer.Ordinal);
        var sent = PagesTheBackendSends().ToList();

        Assert.Contains(sent, s => s.Where == "RemindersOptions.MiniProgramPage");
        Assert.True(sent.Count >= 4, "the scan should find the pages in the options, the code and the settings");
        Assert.All(sent, s => Assert.True(pages.Contains(s.Page.Split('?')[0]),
            $"{s.Where} sends {s.Page}, which miniprogram/app.json does not have ({string.Join(", ", pages)})"));
    }
}
