using WechatKepu.Server.Features.Catalogue;

namespace WechatKepu.Server.Features.MiniProgram;

public sealed record LoginRequest(string? Code);

public sealed record LoginResponse(string Token, DateTimeOffset ExpiresAt, bool HasProfile, bool HasConsent);

public sealed record GuardianRequest(string? Name, string? Phone);

public sealed record GuardianDto(string Name, string Phone, string PhoneMasked);

public sealed record ConsentRequest(string? PrivacyNoticeVersion, bool? Agreed);

public sealed record ConsentDto(string Version, DateTimeOffset ConsentedAt);

/// <summary>The children's-data notice: its text, who is responsible for the data, how to reach them, and days sign-ups are kept after the activity.</summary>
public sealed record PrivacyNoticeDto(string Version, string Text, string Controller, string Contact, int RetentionDays);

public sealed record ChildRequest(string? Name, string? Grade, string? BirthYearMonth, string? School, string? Gender);

public sealed record ChildDto(long Id, string Name, string? Grade, string? BirthYearMonth, string School, string? Gender);

public sealed record MeDto(GuardianDto? Guardian, ConsentDto? Consent, IReadOnlyList<ChildDto> Children, bool ConsentCurrent);

public sealed record SignupRequest(long[]? ChildIds);

public sealed record SignupSessionDto(string Title, string ActivityTitle, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string Venue, DateTimeOffset CancelDeadline);

public sealed record SignupDto(
    long Id, long SessionId, SignupSessionDto Session, long? ChildId, string? ChildName, string Status,
    int? WaitlistPosition, DateTimeOffset CreatedAt, DateTimeOffset? PromotedAt, DateTimeOffset? CancelledAt,
    DateTimeOffset? CheckedInAt, string? CheckinCode);

public sealed record SignupOutcomeDto(string Outcome, IReadOnlyList<SignupDto> Signups);

public sealed record CheckinCodeDto(string Code);

public sealed record SubscriptionsRequest(Dictionary<string, string>? Results);

public sealed record GrantDto(string TemplateId, int Balance, bool LongTerm);

public sealed record GrantsDto(IReadOnlyList<GrantDto> Grants);

public sealed record TemplateDto(string Id, string Purpose, string Title, bool LongTerm);

public sealed record TemplatesDto(IReadOnlyList<TemplateDto> Templates);

/// <summary>A page of sessions; <see cref="HasMore"/> says whether the next page has any (there is no total: counting every session ahead costs as much as the table grows).</summary>
public sealed record MpSessionPageDto(IReadOnlyList<SessionDto> Items, bool HasMore, int Page, int PageSize);
