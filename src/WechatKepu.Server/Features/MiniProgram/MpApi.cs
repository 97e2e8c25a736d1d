using Microsoft.AspNetCore.Authorization;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

/// <summary>The mini-program's API under <c>/api/mp</c> (contract: docs/api-mp.md).</summary>
public static class MpApi
{
    public static IServiceCollection AddMiniProgram(this IServiceCollection services)
    {
        services.AddOptions<MpOptions>().BindConfiguration(MpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<MpUserStore>();
        services.AddSingleton<ParentStore>();
        services.AddSingleton<SignupStore>();
        services.AddSingleton<GrantStore>();
        services.AddSingleton<PersonalDataStore>();
        services.AddSingleton<SecretStore>();
        services.AddSingleton<CheckinCodes>();
        services.AddSingleton<MpLogin>();
        services.AddSingleton<MpSessionCache>();
        services.AddNotificationSubscriber<MpSessionCache>();
        services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, MpAuthentication>(MpAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(MpAuthentication.Policy, p => p
            .AddAuthenticationSchemes(MpAuthentication.SchemeName).RequireAuthenticatedUser());
        return services;
    }

    public static IEndpointRouteBuilder MapMiniProgramApi(this IEndpointRouteBuilder app)
    {
        var open = app.MapGroup("/api/mp").WithTags("MiniProgram");
        open.MapPost("/login", MpLoginApi.LoginAsync).WithSummary("wx.login code → our session token");
        open.MapGet("/privacy-notice", MpProfileApi.PrivacyNotice);
        open.MapGet("/subscriptions/templates", MpSubscriptionsApi.Templates);
        open.MapGet("/sessions", MpSessionsApi.ListAsync).WithSummary("Sessions with places left; with a token, the caller's own status");
        open.MapGet("/sessions/{id}", MpSessionsApi.GetAsync);

        var parent = app.MapGroup("/api/mp").WithTags("MiniProgram").RequireAuthorization(MpAuthentication.Policy);
        parent.MapPost("/logout", MpLoginApi.LogoutAsync).WithSummary("Ends this device's session");
        parent.MapGet("/me", MpProfileApi.MeAsync);
        parent.MapPut("/me/guardian", MpProfileApi.SaveGuardianAsync);
        parent.MapPost("/me/consent", MpProfileApi.ConsentAsync);
        parent.MapGet("/children", MpProfileApi.ChildrenAsync);
        parent.MapPost("/children", MpProfileApi.AddChildAsync);
        parent.MapPut("/children/{id}", MpProfileApi.UpdateChildAsync);
        parent.MapDelete("/children/{id}", MpProfileApi.DeleteChildAsync);
        parent.MapPost("/sessions/{id}/signups", MpSignupsApi.SignUpAsync);
        parent.MapGet("/signups", MpSignupsApi.ListAsync);
        parent.MapDelete("/signups/{id}", MpSignupsApi.CancelAsync);
        parent.MapGet("/signups/{id}/checkin-code", MpSignupsApi.CheckinCodeAsync);
        parent.MapGet("/signups/{id}/checkin-code.png", MpSignupsApi.CheckinPngAsync);
        parent.MapPost("/subscriptions", MpSubscriptionsApi.RecordAsync);
        parent.MapGet("/me/data", MpDataApi.ExportAsync);
        parent.MapDelete("/me", MpDataApi.EraseAsync);
        return app;
    }

    /// <summary>A positive id from a route value, or null (the caller answers 400 naming it).</summary>
    public static long? Id(string value) => long.TryParse(value, out var id) && id > 0 ? id : null;
}
