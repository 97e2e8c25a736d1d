using Mapster;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Features.MiniProgram;

public static class MiniProgramSetup
{
    /// <summary>Parents' sign-in (wx.login → our token), their stores, the sign-up batcher and the Mapster maps.</summary>
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
        MpMapping.Register(TypeAdapterConfig.GlobalSettings);
        services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, MpAuthentication>(MpAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(MpAuthentication.Policy, p => p
            .AddAuthenticationSchemes(MpAuthentication.SchemeName).RequireAuthenticatedUser());
        return services;
    }

    /// <summary>The mini-program's API under <c>/api/mp</c> (contract: docs/api-mp.md).</summary>
    public static IEndpointRouteBuilder MapMiniProgram(this IEndpointRouteBuilder app)
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
}
