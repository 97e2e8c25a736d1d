var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "WechatKepu");
app.Run();
public partial class Program;
