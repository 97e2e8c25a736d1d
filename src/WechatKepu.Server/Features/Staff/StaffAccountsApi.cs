using System.Text.RegularExpressions;
using Mapster;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.Staff;

public sealed class StaffOptions
{
    public const string Section = "Staff";

    /// <summary>Wrong passwords in a row before the account is locked.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}

public sealed record LoginRequest(string? Username, string? Password);

public sealed record StaffMeDto(long Id, string Username, string DisplayName, string Role, string? Unit, string? Openid);

public sealed record StaffAccountDto(
    long Id, string Username, string DisplayName, string Role, string? Unit, string? Openid, bool Disabled,
    DateTimeOffset? LockedUntil, DateTimeOffset? LastLoginAt);

public sealed record StaffAccountRequest(string? Username, string? DisplayName, string? Role, string? Unit, string? Openid, string? Password, bool? Disabled);

public sealed record AntiforgeryDto(string Token, string HeaderName);

public sealed record AuditEntryDto(long Id, DateTimeOffset At, long? StaffId, string StaffName, string Action, string? Target, System.Text.Json.JsonElement Detail);

/// <summary>Staff sign-in (cookie + antiforgery, lockout), accounts (admin) and the audit log.</summary>
public static partial class StaffAccountsApi
{
    /// <summary>A hasher for the staff record type only; PBKDF2 with the framework's current parameters.</summary>
    public static readonly PasswordHasher<StaffAccountRow> Hasher = new();

    public const int MinPasswordLength = 8;

    public static void MapStaffAccountsApi(this IEndpointRouteBuilder app)
    {
        var open = app.MapGroup("/api/console").WithTags("Console");
        open.MapGet("/antiforgery", AntiforgeryAsync).WithSummary("A token for the X-CSRF-TOKEN header of every write; fetch again after sign-in");
        open.MapPost("/login", LoginAsync).RequireAntiforgeryToken().RequireKepuRateLimit(RateLimitPolicies.StaffLogin, PartitionBy.ClientIp);

        var staff = app.MapGroup("/api/console").WithTags("Console").RequireAuthorization(StaffPolicies.Viewer);
        staff.MapGet("/me", MeAsync);
        staff.MapPost("/logout", LogoutAsync).RequireAntiforgeryToken();
        // Admins only: it names every account's actions and the usernames mistyped at sign-in.
        staff.MapGet("/audit", AuditAsync).RequireAuthorization(StaffPolicies.Admin);

        var admin = app.MapGroup("/api/console/staff").WithTags("Console").RequireAuthorization(StaffPolicies.Admin);
        admin.MapGet("", ListAsync);
        admin.MapPost("", CreateAsync).RequireAntiforgeryToken();
        admin.MapPut("/{id:long}", UpdateAsync).RequireAntiforgeryToken();
    }

    private static async Task<Results<Ok<AntiforgeryDto>, ProblemHttpResult>> AntiforgeryAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (StaffAuth.HttpsRequired(http) is { } refused)
        {
            return refused;
        }

        await StaffAuth.UseStaffPrincipalAsync(http);
        var tokens = antiforgery.GetAndStoreTokens(http);
        return TypedResults.Ok(new AntiforgeryDto(tokens.RequestToken!, StaffAuth.AntiforgeryHeader));
    }

    internal static async Task<Results<Ok<StaffMeDto>, ProblemHttpResult, ValidationProblem>> LoginAsync(
        LoginRequest? request, HttpContext http, StaffStore store, AuditLog audit, IOptions<StaffOptions> options,
        TimeProvider clock, CancellationToken ct)
    {
        var errors = new Errors();
        var username = errors.Text("username", request?.Username, "用户名", 40);
        if (string.IsNullOrEmpty(request?.Password))
        {
            errors.Add("password", "请填写密码");
        }

        if (errors.Any)
        {
            return Problems.Validation(errors.All);
        }

        var now = clock.GetUtcNow();
        var account = await store.FindAsync(username!, ct);
        var wrong = Problems.Problem(StatusCodes.Status401Unauthorized, "bad_credentials", "用户名或密码错误");
        if (account is null || account.Disabled)
        {
            await audit.WriteAsync(account?.Id, username!, "staff.login_failed", null, new { reason = account is null ? "unknown" : "disabled" }, now, ct);
            return wrong;
        }

        // Counted before the check, so that parallel guesses cannot all be checked before the lock is written.
        var lockUntil = now + options.Value.LockoutDuration;
        var attempt = await store.BeginSignInAsync(account.Id, options.Value.MaxFailedSignIns, now, lockUntil, ct);
        if (attempt.LockedUntil is { } locked && locked > now.UtcDateTime)
        {
            return Locked(locked);
        }

        var verdict = Hasher.VerifyHashedPassword(account, account.PasswordHash, request!.Password!);
        if (verdict == PasswordVerificationResult.Failed)
        {
            var lockedNow = attempt.Attempt >= options.Value.MaxFailedSignIns;
            if (lockedNow)
            {
                await store.LockAsync(account.Id, now, lockUntil, ct);
            }

            await audit.WriteAsync(account.Id, account.DisplayName, "staff.login_failed", $"staff:{account.Id}", new { locked = lockedNow }, now, ct);
            return lockedNow ? Locked(lockUntil.UtcDateTime) : wrong;
        }

        var rehash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(account, request.Password!) : null;
        await store.RecordSuccessAsync(account.Id, now, rehash, ct);
        await http.SignInAsync(StaffPolicies.Scheme, StaffAuth.Principal(account));
        await audit.WriteAsync(account.Id, account.DisplayName, "staff.login", $"staff:{account.Id}", null, now, ct);
        return TypedResults.Ok(Me(account));
    }

    private static ProblemHttpResult Locked(DateTime until) =>
        Problems.Problem(StatusCodes.Status423Locked, "locked", "密码错误次数过多，账号已暂时锁定",
            $"请于 {Data.Shanghai.ToShanghai(new DateTimeOffset(until, TimeSpan.Zero)):yyyy-MM-dd HH:mm} 后再试，或联系管理员。");

    private static async Task<NoContent> LogoutAsync(HttpContext http, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var actor = http.User.Actor();
        await http.SignOutAsync(StaffPolicies.Scheme);
        await audit.WriteAsync(actor.Id, actor.Name, "staff.logout", null, null, clock.GetUtcNow(), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<StaffMeDto>> MeAsync(HttpContext http, StaffStore store, CancellationToken ct)
    {
        var actor = http.User.Actor();
        var account = actor.Id is { } id ? await store.GetAsync(id, ct) : null;
        return TypedResults.Ok(account is not null
            ? Me(account)
            : new StaffMeDto(actor.Id ?? 0, actor.Name, actor.Name, actor.Role, actor.Unit, null));
    }

    private static StaffMeDto Me(StaffAccountRow a) => new(a.Id, a.Username, a.DisplayName, a.Role, a.Unit, a.Openid);

    private static async Task<Results<Ok<List<AuditEntryDto>>, ValidationProblem>> AuditAsync(
        HttpRequest request, AuditLog audit, CancellationToken ct)
    {
        var q = new QueryReader(request.Query);
        var action = q.Text("action", 40);
        var limit = q.Int("limit", 100, 1, 500);
        long? before = null;
        if (request.Query["before"].ToString() is { Length: > 0 } b)
        {
            if (long.TryParse(b, out var v) && v > 0)
            {
                before = v;
            }
            else
            {
                q.Fail("before", "before 须为正整数");
            }
        }

        if (!q.IsValid)
        {
            return Problems.Validation(q.Errors);
        }

        var rows = await audit.ListAsync(action, before, limit, ct);
        return TypedResults.Ok(rows.Select(r => new AuditEntryDto(r.Id, Data.Shanghai.ToShanghai(new DateTimeOffset(r.At, TimeSpan.Zero)),
            r.StaffId, r.StaffName, r.Action, r.Target, System.Text.Json.JsonDocument.Parse(r.Detail).RootElement.Clone())).ToList());
    }

    private static async Task<Ok<List<StaffAccountDto>>> ListAsync(StaffStore store, CancellationToken ct) =>
        TypedResults.Ok((await store.ListAsync(ct)).Select(Dto).ToList());

    private static StaffAccountDto Dto(StaffAccountRow a) => new(a.Id, a.Username, a.DisplayName, a.Role, a.Unit, a.Openid, a.Disabled,
        a.LockedUntil is { } l ? Data.Shanghai.ToShanghai(new DateTimeOffset(l, TimeSpan.Zero)) : null,
        a.LastLoginAt is { } t ? Data.Shanghai.ToShanghai(new DateTimeOffset(t, TimeSpan.Zero)) : null);

    [GeneratedRegex("^[A-Za-z0-9_.-]{2,40}$")]
    private static partial Regex UsernamePattern();

    private static readonly string[] RoleNames = [StaffPolicies.Roles.Admin, StaffPolicies.Roles.Organiser, StaffPolicies.Roles.Viewer];

    /// <summary>Checks an account request; a password is required on create only.</summary>
    private static (NewStaffAccount? Account, Errors Errors) Validate(StaffAccountRequest? r, bool creating)
    {
        var errors = new Errors();
        var username = r?.Username?.Trim() ?? "";
        if (creating && !UsernamePattern().IsMatch(username))
        {
            errors.Add("username", "用户名须为 2–40 位字母、数字或 _ . -");
        }

        var name = errors.Text("displayName", r?.DisplayName, "姓名", 40);
        var role = r?.Role?.Trim();
        if (role is null || !RoleNames.Contains(role))
        {
            errors.Add("role", "角色须为 admin、organiser 或 viewer");
        }

        var unit = errors.Text("unit", r?.Unit, "所属单位", 60, required: role == StaffPolicies.Roles.Organiser);
        var openid = errors.Text("openid", r?.Openid, "公众号 openid", 64, required: false);
        if (r?.Password is { } p ? p.Length < MinPasswordLength : creating)
        {
            errors.Add("password", $"密码至少 {MinPasswordLength} 位");
        }

        return errors.Any ? (null, errors) : (new NewStaffAccount(username, name!, role!, unit, "", openid), errors);
    }

    private static async Task<Results<Created<StaffAccountDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        StaffAccountRequest? request, HttpContext http, StaffStore store, UnitStore units, AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        var (account, errors) = Validate(request, creating: true);
        if (account is null)
        {
            return Problems.Validation(errors.All);
        }

        if (await UnitsApi.CheckAsync(units, account.Unit, ct) is { } unknownUnit)
        {
            return unknownUnit;
        }

        var id = await store.CreateAsync(account with { PasswordHash = Hasher.HashPassword(new StaffAccountRow(), request!.Password!) }, ct);
        if (id is null)
        {
            return Problems.Problem(StatusCodes.Status409Conflict, "username_taken", "用户名已被使用");
        }

        var actor = http.User.Actor();
        await audit.WriteAsync(actor.Id, actor.Name, "staff.create", $"staff:{id}", new { account.Username, account.Role, account.Unit }, clock.GetUtcNow(), ct);
        return TypedResults.Created($"/api/console/staff/{id}", Dto((await store.GetAsync(id.Value, ct))!));
    }

    private static async Task<Results<Ok<StaffAccountDto>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, StaffAccountRequest? request, HttpContext http, StaffStore store, StaffSessions sessions, UnitStore units, AuditLog audit,
        TimeProvider clock, CancellationToken ct)
    {
        var (account, errors) = Validate(request, creating: false);
        if (account is null)
        {
            return Problems.Validation(errors.All);
        }

        if (await UnitsApi.CheckAsync(units, account.Unit, ct) is { } unknownUnit)
        {
            return unknownUnit;
        }

        var hash = request!.Password is { } p ? Hasher.HashPassword(new StaffAccountRow(), p) : null;
        if (!await store.UpdateAsync(id, account.DisplayName, account.Role, account.Unit, account.Openid, request.Disabled, hash, ct))
        {
            return Problems.NotFound("没有这个工作人员账号");
        }

        sessions.Forget(id);
        var actor = http.User.Actor();
        await audit.WriteAsync(actor.Id, actor.Name, "staff.update", $"staff:{id}",
            new { account.Role, account.Unit, request.Disabled, passwordChanged = hash is not null }, clock.GetUtcNow(), ct);
        return TypedResults.Ok(Dto((await store.GetAsync(id, ct))!));
    }
}
