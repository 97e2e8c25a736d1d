namespace WechatKepu.Data.Embedded;

/// <summary>Finds the checkout's root (the folder holding WechatKepu.sln), for development defaults.</summary>
public static class RepoRoot
{
    public static string Find(string? start = null)
    {
        foreach (var origin in new[] { start, Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = origin is null ? null : new DirectoryInfo(origin); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "WechatKepu.sln")))
                {
                    return d.FullName;
                }
            }
        }

        // Installed elsewhere (no checkout): keep data beside the binaries.
        return AppContext.BaseDirectory;
    }
}
