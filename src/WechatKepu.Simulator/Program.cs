namespace WechatKepu.Simulator;

// Not top-level statements: the backend's tests reference both this project and the server, and two
// global `Program` classes would collide.
public static class SimulatorProgram
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var app = builder.Build();
        app.MapGet("/", () => "WechatKepu WeChat simulator");
        app.Run();
    }
}
