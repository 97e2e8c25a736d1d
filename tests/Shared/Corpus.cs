namespace WechatKepu.Testing;

/// <summary>The conformance corpus in <c>tests/Corpus</c> (real-shaped WeChat payloads, see its README).</summary>
public static class Corpus
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Corpus");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/Corpus not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The text of <c>tests/Corpus/{path}</c>.</summary>
    public static string Read(string path) => File.ReadAllText(Path.Combine(Root.Value, path));

    /// <summary>The bytes of <c>tests/Corpus/{path}</c> (image answers).</summary>
    public static byte[] ReadBytes(string path) => File.ReadAllBytes(Path.Combine(Root.Value, path));

    /// <summary>File names (without folder) under <c>tests/Corpus/{folder}</c> matching <paramref name="pattern"/>.</summary>
    public static IEnumerable<string> Files(string folder, string pattern = "*") =>
        Directory.EnumerateFiles(Path.Combine(Root.Value, folder), pattern).Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>The EncodingAESKeys of <c>aes-keys.txt</c>.</summary>
    public static IReadOnlyList<string> AesKeys =>
        Read("aes-keys.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
