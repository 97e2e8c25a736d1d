using WechatKepu.Server.Features.Callback;

namespace WechatKepu.Server.Features.Receipts;

public static class ReceiptsSetup
{
    public static IServiceCollection AddReceipts(this IServiceCollection services)
    {
        services.AddSingleton<ReceiptProcessor>();
        // Replaces the callback's no-op default (registered with TryAdd).
        services.AddSingleton<IReceiptHandler>(sp => sp.GetRequiredService<ReceiptProcessor>());
        return services;
    }
}
