using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WechatKepu.Simulator.Platform;

namespace WechatKepu.Simulator;

public static class SimulatorEndpoints
{
    /// <summary>
    /// Serves <paramref name="simulator"/>'s WeChat API at the root of the app, plus a small control API
    /// under <c>/_sim</c> for a simulator run on its own: issue login codes, grant subscriptions, read the record,
    /// and drive what the platform does by hand (fail a user's next send, open the 48-hour window, queue and
    /// deliver receipts).
    /// </summary>
    /// <param name="receipts">Where <paramref name="simulator"/> queues its receipts, when they are delivered on demand.</param>
    /// <param name="delivery">Posts receipts to the backend's push URLs (<c>POST /_sim/receipts/deliver</c>).</param>
    public static WebApplication MapWechatSimulator(this WebApplication app, WechatSimulator simulator,
        ChannelReceiptSink? receipts = null, ReceiptDelivery? delivery = null)
    {
        app.MapGet("/_sim/calls", (string? path) => path is null ? simulator.Calls : simulator.CallsTo(path));
        app.MapGet("/_sim/messages", (string? openId) => openId is null ? simulator.Displayed : simulator.DisplayedTo(openId));
        app.MapPost("/_sim/login-codes", (LoginCodeRequest request) =>
            TypedResults.Ok(new { code = simulator.IssueLoginCode(request.OpenId, request.AppId, request.UnionId) }));
        app.MapPost("/_sim/grants", (GrantRequest request) =>
        {
            simulator.GrantSubscribe(request.AppId, request.OpenId, request.TemplateId, request.Count ?? 1);
            return TypedResults.NoContent();
        });
        app.MapPost("/_sim/faults", (FaultRequest request) =>
        {
            if (request.Errcode is null && request.DeliverThenDrop != true)
            {
                return Results.Problem(statusCode: 400, title: "errcode or deliverThenDrop is required");
            }

            var count = request.Count ?? 1;
            if (request.DeliverThenDrop == true)
            {
                simulator.Faults.DeliverThenDropNext(count, request.Path, request.OpenId);
            }
            else if (request.OpenId is not null)
            {
                simulator.Faults.FailUserNext(request.OpenId, request.Errcode!.Value, request.Path, count);
            }
            else
            {
                simulator.Faults.FailNext(count, request.Errcode!.Value, request.Path);
            }

            return Results.NoContent();
        });
        app.MapPost("/_sim/window", (WindowRequest request) =>
        {
            // The user wrote to the account now: customer-service messages reach them for 48 hours.
            simulator.FollowerWrote(request.AppId, request.OpenId);
            return TypedResults.NoContent();
        });
        app.MapPost("/_sim/receipts", (ReceiptRequest request) =>
        {
            if (simulator.Receipts is null)
            {
                return Results.Problem(statusCode: 409, title: "this simulator produces no receipts (no backend configured)");
            }

            SimulatorReceipt? receipt = request.Kind switch
            {
                "template" => new TemplateSendJobFinished(request.AppId, simulator.Time.GetUtcNow(), request.OpenId, request.MsgId, request.Status ?? "success"),
                "subscribe" when request.TemplateId is { } t =>
                    new SubscribeMessageSent(request.AppId, simulator.Time.GetUtcNow(), request.OpenId, t, request.MsgId, request.ErrorCode ?? 0),
                _ => null,
            };
            if (receipt is null)
            {
                return Results.Problem(statusCode: 400, title: "kind is template or subscribe (with templateId)");
            }

            simulator.Receipts.Publish(receipt);
            return Results.NoContent();
        });
        app.MapPost("/_sim/receipts/deliver", async (CancellationToken ct) =>
            receipts is null || delivery is null
                ? Results.Problem(statusCode: 409, title: "receipts are delivered automatically, or no backend is configured")
                : Results.Ok(new { posted = await delivery.DeliverQueuedAsync(receipts.Reader, ct) }));

        // The WeChat API itself is not a set of endpoints: one dictionary lookup per call keeps the hot path short.
        app.Use(next => context => context.GetEndpoint() is not null ? next(context) : simulator.HandleAsync(context));
        return app;
    }

    public sealed record LoginCodeRequest(string OpenId, string? AppId, string? UnionId);

    public sealed record GrantRequest(string AppId, string OpenId, string TemplateId, int? Count);

    /// <param name="Path">The API path to fail (e.g. /cgi-bin/message/template/send); any when null.</param>
    /// <param name="OpenId">Only calls for this user (their touser).</param>
    /// <param name="DeliverThenDrop">Carry the call out, then drop the connection instead of answering.</param>
    public sealed record FaultRequest(int? Errcode, string? Path, string? OpenId, int? Count, bool? DeliverThenDrop);

    public sealed record WindowRequest(string AppId, string OpenId);

    /// <param name="Kind">template (TEMPLATESENDJOBFINISH) or subscribe (subscribe_msg_sent_event).</param>
    public sealed record ReceiptRequest(string Kind, string AppId, string OpenId, long MsgId, string? Status, string? TemplateId, int? ErrorCode);
}
