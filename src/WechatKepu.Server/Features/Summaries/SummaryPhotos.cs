namespace WechatKepu.Server.Features.Summaries;

/// <summary>What a photo really is, read from its first bytes (the name and the declared type are the sender's word).</summary>
public static class SummaryPhotos
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary><c>image/jpeg</c> or <c>image/png</c> by magic bytes, else null.</summary>
    public static string? ContentType(ReadOnlySpan<byte> content) =>
        content.Length >= 3 && content[0] == 0xFF && content[1] == 0xD8 && content[2] == 0xFF ? "image/jpeg"
        : content.StartsWith(Png) ? "image/png"
        : null;
}
