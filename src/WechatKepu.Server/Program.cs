using Scalar.AspNetCore;
using WechatKepu.Data.Migrations;
using WechatKepu.Server.Features.Backup;
using WechatKepu.Server.Features.Broadcasts;
using WechatKepu.Server.Features.Callback;
using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Features.Console;
using WechatKepu.Server.Features.Delivery;
using WechatKepu.Server.Features.EventDay;
using WechatKepu.Server.Features.Followers;
using WechatKepu.Server.Features.Health;
using WechatKepu.Server.Features.Menu;
using WechatKepu.Server.Features.MiniProgram;
using WechatKepu.Server.Features.Posters;
using WechatKepu.Server.Features.Privacy;
using WechatKepu.Server.Features.Replies;
using WechatKepu.Server.Features.Receipts;
using WechatKepu.Server.Features.Reports;
using WechatKepu.Server.Features.Reminders;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Features.Summaries;
using WechatKepu.Server.Features.Templates;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;

StartupFailure.ReportInOneLine();
var builder = WebApplication.CreateBuilder(args);
builder.AddStartupFailureReport();
builder.AddKepuObservability();

await builder.AddKepuDatabaseAsync(embeddedInAnyEnvironment: CreateAdminCommand.IsRequested(args));
builder.Services.AddKepuProblemDetails();
builder.Services.AddKepuDataProtection();
builder.Services.AddOpenApi();
builder.Services.AddKepuJobs(builder.Configuration);
builder.Services.AddKepuRateLimiting();

// The capabilities, one per Features/<Name>/ folder; each <Name>Setup.cs registers its services, options,
// jobs and Mapster maps (Add<Name>) and maps its endpoints (Map<Name>).
builder.Services
    .AddStaff()
    .AddWechat()
    .AddCatalogue()
    .AddMiniProgram()
    .AddCallback()
    .AddFollowers()
    .AddReplies()
    .AddConsole()
    .AddBroadcasts()
    .AddDelivery()
    .AddReminders()
    .AddReceipts()
    .AddMenu()
    .AddPosters()
    .AddSummaries()
    .AddTemplates()
    .AddEventDay()
    .AddReports()
    .AddPrivacy();

var app = builder.Build();

if (args.Contains("--migrate"))
{
    var applied = await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync();
    app.Logger.LogInformation("Migrations applied: {Applied}", applied.Count == 0 ? "none (up to date)" : string.Join(", ", applied));
    await app.StopAsync();
    return;
}

if ((await CreateAdminCommand.RunAsync(app, args) ?? await CheckinCodes.RunRotateCommandAsync(app, args)) is { } exitCode)
{
    Environment.ExitCode = exitCode;
    return;
}

if (await BackupCommand.RunAsync(app, args) is { } backupExitCode)
{
    Environment.ExitCode = backupExitCode;
    return;
}

await app.PrepareDatabaseAsync();

app.UseDirectEndpoints();
app.UseKepuObservability();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestTargetLimit();
app.UseAuthentication();
app.UseKepuRateLimiting();
app.UseAuthorization();

// One fixed document: a made-up document name is then a plain 404 ProblemDetails, not an echo of the name.
// In Production it is for signed-in admins only.
var openApi = app.MapOpenApi("/openapi/v1.json");
if (app.Environment.IsProduction())
{
    openApi.RequireAuthorization(StaffPolicies.Admin);
}

if (app.Environment.IsDevelopment())
{
    app.MapScalarApiReference("/docs");
}

app.UseKepuJobs();
app.UseConsolePage();
app.UseConsoleLibraries();

app.MapHealth();
app.MapCatalogue();
app.MapMiniProgram();
app.MapCallback();
app.MapReplies();
app.MapStaff();
app.MapConsole();
app.MapBroadcasts();
app.MapDelivery();
app.MapReminders();
app.MapMenu();
app.MapPosters();
app.MapSummaries();
app.MapTemplates();
app.MapEventDay();
app.MapReports();

app.Run();

/// <summary>Entry point; public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;
