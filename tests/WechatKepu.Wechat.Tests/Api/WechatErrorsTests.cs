namespace WechatKepu.Wechat.Tests.Api;

/// <summary>The errcode table: one row per code, each classified as listed here and documented in docs/wechat-errors.md.</summary>
public sealed class WechatErrorsTests
{
    [Theory]
    [InlineData(-1, WechatErrorKind.Retryable, null)]
    [InlineData(40001, WechatErrorKind.Token, null)]
    [InlineData(40002, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40003, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40005, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40007, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40008, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40009, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40013, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40014, WechatErrorKind.Token, null)]
    [InlineData(40029, WechatErrorKind.LoginCode, null)]
    [InlineData(40032, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40035, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40037, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40125, WechatErrorKind.Configuration, null)]
    [InlineData(40130, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40163, WechatErrorKind.LoginCode, null)]
    [InlineData(40164, WechatErrorKind.Configuration, null)]
    [InlineData(40169, WechatErrorKind.PermanentRequest, null)]
    [InlineData(40226, WechatErrorKind.LoginBlocked, null)]
    [InlineData(41001, WechatErrorKind.Configuration, null)]
    [InlineData(41030, WechatErrorKind.PermanentRequest, null)]
    [InlineData(42001, WechatErrorKind.Token, null)]
    [InlineData(43004, WechatErrorKind.UserState, null)]
    [InlineData(43101, WechatErrorKind.UserState, null)]
    [InlineData(44002, WechatErrorKind.PermanentRequest, null)]
    [InlineData(45003, WechatErrorKind.PermanentRequest, null)]
    [InlineData(45004, WechatErrorKind.PermanentRequest, null)]
    [InlineData(45009, WechatErrorKind.Retryable, null)]
    [InlineData(45011, WechatErrorKind.Retryable, 60)]
    [InlineData(45015, WechatErrorKind.ChannelClosed, null)]
    [InlineData(45028, WechatErrorKind.PermanentRequest, null)]
    [InlineData(45047, WechatErrorKind.ChannelClosed, null)]
    [InlineData(45065, WechatErrorKind.AlreadySent, null)]
    [InlineData(45066, WechatErrorKind.Retryable, 60)]
    [InlineData(45110, WechatErrorKind.PermanentRequest, null)]
    [InlineData(47001, WechatErrorKind.PermanentRequest, null)]
    [InlineData(47003, WechatErrorKind.PermanentRequest, null)]
    [InlineData(48001, WechatErrorKind.Configuration, null)]
    [InlineData(48004, WechatErrorKind.Configuration, null)]
    [InlineData(53503, WechatErrorKind.PermanentRequest, null)]
    [InlineData(61010, WechatErrorKind.UserState, null)]
    [InlineData(61024, WechatErrorKind.Configuration, null)]
    [InlineData(87014, WechatErrorKind.PermanentRequest, null)]
    public void Every_row_of_the_table_says_what_to_do(int errcode, WechatErrorKind kind, int? retryAfterSeconds)
    {
        var row = WechatErrors.Describe(errcode);
        Assert.Equal(kind, WechatErrors.Classify(errcode));
        Assert.Equal(retryAfterSeconds is { } s ? TimeSpan.FromSeconds(s) : null, row.RetryAfter);
        Assert.Contains(WechatErrors.Table, r => r.Errcode == errcode);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", row.Reason);
    }

    [Fact]
    public void The_table_has_one_row_per_code_and_the_test_above_covers_each()
    {
        Assert.Equal(WechatErrors.Table.Count, WechatErrors.Table.Select(r => r.Errcode).Distinct().Count());
        var tested = typeof(WechatErrorsTests).GetMethod(nameof(Every_row_of_the_table_says_what_to_do))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (int)a.GetData(null!).Single()[0]).ToHashSet();
        Assert.All(WechatErrors.Table, r => Assert.Contains(r.Errcode, tested));
    }

    [Fact]
    public void Docs_show_the_same_table()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "docs", "wechat-errors.md")))
        {
            dir = dir.Parent;
        }

        var rows = File.ReadAllLines(Path.Combine(dir!.FullName, "docs", "wechat-errors.md"))
            .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| -?\d+ \|"))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .ToDictionary(c => int.Parse(c[1]), c => (Kind: c[2].Trim('`'), Reason: c[4]));
        Assert.Equal(WechatErrors.Table.Count, rows.Count);
        Assert.All(WechatErrors.Table, r => Assert.Equal((r.Kind.ToString(), r.Reason), rows[r.Errcode]));
    }

    [Fact]
    public void An_unlisted_code_is_other_with_its_number_in_the_reason()
    {
        Assert.Equal(WechatErrorKind.Other, WechatErrors.Classify(99999));
        Assert.Contains("99999", WechatErrors.Describe(99999).Reason);
    }
}

public sealed class MassSendChunkTests
{
    [Theory]
    [InlineData(2, new[] { 2 })]
    [InlineData(10_000, new[] { 10_000 })]
    [InlineData(10_001, new[] { 5_000, 5_001 })]
    [InlineData(20_001, new[] { 6_667, 6_667, 6_667 })]
    [InlineData(30_000, new[] { 10_000, 10_000, 10_000 })]
    public void Lists_are_split_evenly_so_none_has_fewer_than_two_openids(int count, int[] sizes)
    {
        var openIds = Enumerable.Range(0, count).Select(i => $"o{i:D27}").ToArray();
        var chunks = WechatKepu.Wechat.Api.Models.Mass.MassSendRequest.Chunks(openIds);
        Assert.Equal(sizes, chunks.Select(c => c.Length).ToArray());
        Assert.Equal(openIds, chunks.SelectMany(c => c));
    }

    [Fact]
    public void One_openid_is_not_a_mass_send() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => WechatKepu.Wechat.Api.Models.Mass.MassSendRequest.Chunks(new[] { "o1" }));
}
