using System.Threading.Channels;
using Microsoft.Extensions.Options;
using WechatKepu.Data.Callback;

namespace WechatKepu.Server.Features.Callback;

/// <summary>
/// Group commit for dedup claims: concurrent callbacks queue their claim, and a few loops each take
/// whatever has queued up and insert it with one multi-row statement (one round trip, one commit). Under
/// light load a batch is a single claim and nothing waits; under heavy load batches grow while the previous
/// statements are in flight, so the cost per claim falls as the rate rises.
/// </summary>
public sealed class ClaimBatcher(InboundStore store, TimeProvider clock, IOptions<CallbackOptions> options, ILogger<ClaimBatcher> logger)
    : IHostedService
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _loops = [];

    /// <summary>Claims the key: won when this request is the first (it must handle the message); else the stored reply, if any yet.</summary>
    public Task<InboundClaimResult> ClaimAsync(InboundClaim claim)
    {
        var pending = new Pending(claim, new TaskCompletionSource<InboundClaimResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            pending.Done.SetException(new InvalidOperationException("The server is stopping"));
        }

        return pending.Done.Task;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loops = Enumerable.Range(0, options.Value.ClaimConcurrency).Select(_ => Task.Run(RunAsync, CancellationToken.None)).ToArray();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _stopping.CancelAsync();
    }

    private async Task RunAsync()
    {
        var max = options.Value.ClaimBatchSize;
        var batch = new List<Pending>(max);
        var claims = new List<InboundClaim>(max);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
        {
            batch.Clear();
            claims.Clear();
            while (batch.Count < max && reader.TryRead(out var pending))
            {
                batch.Add(pending);
                claims.Add(pending.Claim);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                var results = await store.ClaimAsync(claims, clock.GetUtcNow(), _stopping.Token, options.Value.AsyncClaimCommit).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Claiming {Count} callbacks failed", batch.Count);
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }
            }
        }
    }

    private sealed record Pending(InboundClaim Claim, TaskCompletionSource<InboundClaimResult> Done);
}
