using Microsoft.Extensions.Logging;
using WechatKepu.Server.Infrastructure;

namespace WechatKepu.Server.Tests.Resilience;

/// <summary>Hangfire's process-wide log provider must not break jobs once the host it logged to is gone.</summary>
public sealed class HostLogProviderTests
{
    [Fact]
    public void Loggers_of_a_disposed_host_are_silent_instead_of_throwing()
    {
        var factory = LoggerFactory.Create(b => b.AddConsole());
        var provider = new HostLogProvider(factory);
        var before = provider.GetLogger("Hangfire.BackgroundJobClient");
        factory.Dispose();

        // Hangfire's own provider throws ObjectDisposedException here, and the endpoint that scheduled a
        // job answered 500; ours hands out a silent logger.
        Assert.Throws<ObjectDisposedException>(() => new Hangfire.AspNetCore.AspNetCoreLogProvider(factory).GetLogger("x"));
        var after = provider.GetLogger("Hangfire.BackgroundJobClient");
        Assert.False(after.Log(Hangfire.Logging.LogLevel.Info, () => "after dispose"));
        Assert.Null(Record.Exception(() => before.Log(Hangfire.Logging.LogLevel.Info, () => "after dispose")));
    }

    [Fact]
    public void A_live_host_gets_the_messages()
    {
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddConsole());
        var log = new HostLogProvider(factory).GetLogger("Hangfire.Test");
        Assert.True(log.Log(Hangfire.Logging.LogLevel.Info, () => "hello"));
    }
}
