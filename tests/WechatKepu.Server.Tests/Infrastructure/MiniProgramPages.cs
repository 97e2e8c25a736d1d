using System.Text.Json;
using WechatKepu.Data.Embedded;

namespace WechatKepu.Server.Tests.Infrastructure;

/// <summary>The pages of the mini-program as miniprogram/app.json declares them: the only pages a message may open.</summary>
public static class MiniProgramPages
{
    public static IReadOnlyList<string> All()
    {
        using var app = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot.Find(), "miniprogram", "app.json")));
        var pages = app.RootElement.GetProperty("pages").EnumerateArray().Select(p => p.GetString()!).ToList();
        if (app.RootElement.TryGetProperty("subPackages", out var packages) || app.RootElement.TryGetProperty("subpackages", out packages))
        {
            foreach (var package in packages.EnumerateArray())
            {
                var root = package.GetProperty("root").GetString()!.TrimEnd('/');
                pages.AddRange(package.GetProperty("pages").EnumerateArray().Select(p => $"{root}/{p.GetString()}"));
            }
        }

        return pages;
    }
}
