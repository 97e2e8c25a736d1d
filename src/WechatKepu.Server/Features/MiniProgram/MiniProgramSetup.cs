using Mapster;
using Microsoft.Extensions.Options;
using Npgsql;
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
        // Disposed by the container at shutdown, which closes the connections it keeps.
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MpOptions>>().Value;
            return new SignupClaimBatcher(sp.GetRequiredService<NpgsqlDataSource>(),
                new SignupClaimSizes(options.SignupClaimBatchSize, options.SignupClaimKeptConnections),
                sp.GetRequiredService<ILogger<SignupClaimBatcher>>());
        });
        services.AddSingleton<GrantStore>();
        services.AddSingleton<PersonalDataStore>();
        services.AddSingleton<SecretStore>();
        services.AddSingleton<CheckinCodes>();
        services.AddSingleton<MpLogin>();
        services.AddSingleton<MpSessionCache>();
        services.AddNotificationSubscriber<MpSessionCache>();
        MpMapping.Register(TypeAdapterConfig.GlobalSettings);
        services.AddExceptionHandler<MpProblems.UnknownSignupOutcomeHandler>();
        services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, MpAuthentication>(MpAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(MpAuthentication.Policy, p => p
            .AddAuthenticationSchemes(MpAuthentication.SchemeName).RequireAuthenticatedUser());
        return services;
    }

    /// <summary>The mini-program's API under <c>/api/mp</c> (contract: docs/api-mp.md).</summary>
    public static IEndpointRouteBuilder MapMiniProgram(this IEndpointRouteBuilder app)
    {
        var open = app.MapGroup("/api/mp").WithTags("MiniProgram");
        open.MapPost("/login", MpLoginApi.LoginAsync).WithSummary("wx.login code → our session token")
            .RequireKepuRateLimit(RateLimitPolicies.Login, PartitionBy.ClientIp);
        open.MapGet("/privacy-notice", MpProfileApi.PrivacyNotice);
        open.MapGet("/subscriptions/templates", MpSubscriptionsApi.Templates);
        open.MapGet("/sessions", MpSessionsApi.ListAsync).WithSummary("Sessions with places left; with a token, the caller's own status");
        open.MapGet("/sessions/{id:long}", MpSessionsApi.GetAsync);

        var parent = app.MapGroup("/api/mp").WithTags("MiniProgram").RequireAuthorization(MpAuthentication.Policy);
        parent.MapPost("/logout", MpLoginApi.LogoutAsync).WithSummary("Ends this device's session");
        parent.MapGet("/me", MpProfileApi.MeAsync);
        parent.MapPut("/me/guardian", MpProfileApi.SaveGuardianAsync);
        parent.MapPost("/me/consent", MpProfileApi.ConsentAsync);
        parent.MapGet("/children", MpProfileApi.ChildrenAsync);
        parent.MapPost("/children", MpProfileApi.AddChildAsync);
        parent.MapPut("/children/{id:long}", MpProfileApi.UpdateChildAsync);
        parent.MapDelete("/children/{id:long}", MpProfileApi.DeleteChildAsync);
        parent.MapPost("/sessions/{id:long}/signups", MpSignupsApi.SignUpAsync).RequireKepuRateLimit(RateLimitPolicies.Signup, PartitionBy.MpUser);
        parent.MapGet("/signups", MpSignupsApi.ListAsync);
        parent.MapDelete("/signups/{id:long}", MpSignupsApi.CancelAsync);
        parent.MapGet("/signups/{id:long}/checkin-code", MpSignupsApi.CheckinCodeAsync);
        parent.MapGet("/signups/{id:long}/checkin-code.png", MpSignupsApi.CheckinPngAsync);
        parent.MapPost("/subscriptions", MpSubscriptionsApi.RecordAsync);
        parent.MapGet("/me/data", MpDataApi.ExportAsync);
        parent.MapDelete("/me", MpDataApi.EraseAsync);
        return app;
    }
}
