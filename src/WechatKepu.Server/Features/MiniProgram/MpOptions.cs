using System.ComponentModel.DataAnnotations;

namespace WechatKepu.Server.Features.MiniProgram;

public sealed class MpOptions
{
    public const string Section = "MiniProgram";

    [Range(1, 365)]
    public int SessionLifetimeDays { get; set; } = 30;

    [Range(1, 20)]
    public int MaxChildrenPerGuardian { get; set; } = 5;

    /// <summary>Active (confirmed or waitlisted) sign-ups a guardian may hold in sessions not yet over.</summary>
    [Range(1, 100)]
    public int MaxActiveSignupsPerGuardian { get; set; } = 10;

    [Range(1, 10)]
    public int MaxChildrenPerSignup { get; set; } = 5;

    /// <summary>Most sign-up claims for one session decided by one <c>signup_claim_batch</c> call.</summary>
    [Range(1, 5000)]
    public int SignupClaimBatchSize { get; set; } = 256;

    /// <summary>Connections the sign-up batcher keeps open between bursts (each has the function compiled and planned).</summary>
    [Range(0, 64)]
    public int SignupClaimKeptConnections { get; set; } = 2;

    [Required]
    public string PrivacyNoticeVersion { get; set; } = "2024-09";

    /// <summary>
    /// The notice's text. <c>{controller}</c>, <c>{contact}</c> and <c>{retentionDays}</c> are replaced by
    /// <see cref="PrivacyController"/>, <see cref="PrivacyContact"/> and <c>Privacy:PurgeSignupsAfterDays</c>.
    /// </summary>
    [Required]
    public string PrivacyNoticeText { get; set; } = DefaultPrivacyNotice;

    /// <summary>Who is responsible for the children's data (个人信息处理者): by default the plan's organiser.</summary>
    [Required]
    [StringLength(100, MinimumLength = 1)]
    public string PrivacyController { get; set; } = "柳州市科学技术协会";

    /// <summary>How guardians reach the controller about their data: by default the plan's contact phone and e-mail.</summary>
    [Required]
    [StringLength(200, MinimumLength = 1)]
    public string PrivacyContact { get; set; } = "电话 0772-2625843，电子邮箱 lzkxkpb@163.com";

    public const string DefaultPrivacyNotice = """
        柳州科普活动报名小程序儿童个人信息保护说明

        个人信息处理者：{controller}。如对您或孩子的个人信息有任何疑问、意见或请求，请联系：{contact}。
        为帮助您为孩子报名科普活动，我们需要收集以下信息：监护人姓名与手机号；孩子的姓名、年级或出生年月、学校，以及（可选）性别。
        这些信息仅用于活动报名、名额管理、活动提醒、现场签到和必要的联系，不用于其他目的，不向无关第三方提供。
        孩子的信息属于敏感个人信息。您需要作为监护人单独同意后，我们才会保存孩子的任何信息。
        名单导出时手机号会做脱敏处理，每次导出都有记录。活动结束 {retentionDays} 天后，报名明细（孩子和监护人的信息）会被自动清除，只保留不含个人信息的人数统计。
        您可以随时在“我的数据”中查看、导出或删除您和孩子的全部信息。
        """;

    /// <summary>The notice as guardians read it: the placeholders filled in.</summary>
    public string PrivacyNotice(int retentionDays) => PrivacyNoticeText
        .Replace("{controller}", PrivacyController, StringComparison.Ordinal)
        .Replace("{contact}", PrivacyContact, StringComparison.Ordinal)
        .Replace("{retentionDays}", retentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
}
