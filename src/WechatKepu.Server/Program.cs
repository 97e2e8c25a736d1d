using Scalar.AspNetCore;
using WechatKepu.Data.Migrations;
using WechatKepu.Server.Features.Catalogue;
using WechatKepu.Server.Features.Health;
using WechatKepu.Server.Features.MiniProgram;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Server.Features.Wechat;
using WechatKepu.Server.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.AddKepuObservability();

await builder.AddKepuDatabaseAsync();
builder.Services.AddKepuProblemDetails();
builder.Services.AddOpenApi();
builder.Services.AddCatalogue();
builder.Services.AddKepuWechat();
builder.Services.AddKepuJobs(builder.Configuration);
builder.Services.AddMiniProgram();
builder.Services.AddStaffAuthorization();
builder.Services.AddKepuRateLimiting();

var app = builder.Build();

if (args.Contains("--migrate"))
{
    var applied = await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync();
    app.Logger.LogInformation("Migrations applied: {Applied}", applied.Count == 0 ? "none (up to date)" : string.Join(", ", applied));
    await app.StopAsync();
    return;
}

await app.PrepareDatabaseAsync();

app.UseKepuObservability();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseKepuRateLimiting();
app.UseAuthorization();

// One fixed document: a made-up document name is then a plain 404 ProblemDetails, not an echo of the name.
app.MapOpenApi("/openapi/v1.json");
if (app.Environment.IsDevelopment())
{
    app.MapScalarApiReference("/docs");
}

app.UseKepuJobs();
app.MapHealthApi();
app.MapCatalogueApi();
app.MapMiniProgramApi();

app.Run();

/// <summary>Entry point; public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;
