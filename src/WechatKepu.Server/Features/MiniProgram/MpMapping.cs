using System.Globalization;
using Mapster;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Features.Catalogue;

namespace WechatKepu.Server.Features.MiniProgram;

public static class MpMapping
{
    /// <summary>"13800138000" → "138****8000": lists and exports never show a whole number.</summary>
    public static string MaskPhone(string phone) => phone.Length == 11 ? phone[..3] + "****" + phone[7..] : "****";

    public static string? GradeName(short? grade) => grade is { } g ? CatalogueMapping.GradeNames[g] : null;

    /// <summary>A birth month as the API writes it: <c>yyyy-MM</c>.</summary>
    public static string? YearMonth(DateTime? month) => month?.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static short? GradeIndex(string name)
    {
        var i = Array.IndexOf(CatalogueMapping.GradeNames, name);
        return i < 0 ? null : (short)i;
    }

    public static void Register(TypeAdapterConfig config)
    {
        config.NewConfig<ChildRow, ChildDto>()
            .Map(d => d.Grade, s => GradeName(s.Grade))
            .Map(d => d.BirthYearMonth, s => YearMonth(s.BirthYearMonth));
        config.NewConfig<GuardianRow, GuardianDto>().Map(d => d.PhoneMasked, s => MaskPhone(s.Phone));
        config.NewConfig<ConsentRow, ConsentDto>().Map(d => d.Version, s => s.PrivacyNoticeVersion);
        config.NewConfig<SignupRow, SignupSessionDto>().Map(d => d.Title, s => s.SessionTitle);
        config.NewConfig<SignupRow, SignupDto>()
            .Map(d => d.Session, s => s.Adapt<SignupSessionDto>())
            .Ignore(d => d.CheckinCode!);
        config.NewConfig<GrantRow, GrantDto>();
    }
}
