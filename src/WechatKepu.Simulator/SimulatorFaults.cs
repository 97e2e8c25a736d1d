using System.Collections.Concurrent;

namespace WechatKepu.Simulator;

/// <summary>
/// Failures to inject, checked before the simulator looks at the request (so an injected -1 means
/// "not carried out"). Every rule is optional and costs nothing while unset.
/// </summary>
public sealed class SimulatorFaults
{
    private readonly ConcurrentQueue<Rule> _rules = new();
    private volatile TaskCompletionSource? _hold;
    private string? _holdExceptPath;
    private int _held;
    private long _delayTicks;
    private string? _delayPath;
    private double _failureRate;

    /// <summary>Answers the next <paramref name="count"/> calls (to <paramref name="path"/>, or any) with <paramref name="errcode"/>.</summary>
    public void FailNext(int count, int errcode = -1, string? path = null) =>
        _rules.Enqueue(new Rule(path, errcode, Drop: false, count));

    /// <summary>
    /// Answers the next call to <paramref name="path"/> (or any) for the user <paramref name="openId"/> (its <c>touser</c>)
    /// with <paramref name="errcode"/>, leaving other users' calls alone.
    /// </summary>
    public void FailUserNext(string openId, int errcode, string? path = null, int count = 1) =>
        _rules.Enqueue(new Rule(path, errcode, Drop: false, count) { OpenId = openId });

    /// <summary>Aborts the connection of the next <paramref name="count"/> calls without an answer.</summary>
    public void DropNext(int count, string? path = null) => _rules.Enqueue(new Rule(path, 0, Drop: true, count));

    /// <summary>
    /// Carries out the next <paramref name="count"/> calls (to <paramref name="path"/>, or any; for <paramref name="openId"/>,
    /// or anyone) and then aborts the connection instead of answering: the message is delivered, the caller sees a
    /// timeout. What really happens when WeChat's answer is lost.
    /// </summary>
    public void DeliverThenDropNext(int count, string? path = null, string? openId = null) =>
        _rules.Enqueue(new Rule(path, 0, Drop: true, count) { AfterHandling = true, OpenId = openId });

    /// <summary>Share of calls (0..1) answered with -1 at random.</summary>
    public double FailureRate
    {
        get => Volatile.Read(ref _failureRate);
        set => Volatile.Write(ref _failureRate, value);
    }

    /// <summary>Delays every call (to <paramref name="path"/>, or any) before answering; zero turns it off.</summary>
    public void SetDelay(TimeSpan delay, string? path = null)
    {
        Volatile.Write(ref _delayPath, path);
        Interlocked.Exchange(ref _delayTicks, delay.Ticks);
    }

    /// <summary>
    /// Holds every arriving call (except to <paramref name="exceptPath"/>) until the returned handle is
    /// disposed: lets a test change the clock while calls are in flight. <see cref="HeldCount"/> tells how many wait.
    /// </summary>
    public IDisposable HoldRequests(string? exceptPath = "/cgi-bin/stable_token")
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _holdExceptPath, exceptPath);
        _hold = gate;
        return new Release(this, gate);
    }

    /// <summary>Calls waiting behind <see cref="HoldRequests"/>.</summary>
    public int HeldCount => Volatile.Read(ref _held);

    public void Reset()
    {
        _rules.Clear();
        FailureRate = 0;
        SetDelay(TimeSpan.Zero);
        _hold?.TrySetResult();
        _hold = null;
    }

    internal async ValueTask HoldAndDelayAsync(string path, CancellationToken cancellationToken)
    {
        if (_hold is { } gate && path != Volatile.Read(ref _holdExceptPath))
        {
            Interlocked.Increment(ref _held);
            try
            {
                await gate.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _held);
            }
        }

        var delay = Interlocked.Read(ref _delayTicks);
        if (delay > 0 && Volatile.Read(ref _delayPath) is var delayPath && (delayPath is null || delayPath == path))
        {
            await Task.Delay(TimeSpan.FromTicks(delay), cancellationToken);
        }
    }

    /// <summary>The fault for this call, if any: (drop, errcode, after handling).</summary>
    internal (bool Drop, int Errcode, bool AfterHandling)? Next(string path, string? openId)
    {
        if (!_rules.IsEmpty)
        {
            foreach (var rule in _rules)
            {
                if ((rule.Path is null || rule.Path == path) && (rule.OpenId is null || rule.OpenId == openId) && rule.TryTake())
                {
                    return (rule.Drop, rule.Errcode, rule.AfterHandling);
                }
            }
        }

        var rate = FailureRate;
        return rate > 0 && Random.Shared.NextDouble() < rate ? (false, -1, false) : null;
    }

    private sealed record Rule(string? Path, int Errcode, bool Drop, int Count)
    {
        private int _remaining = Count;

        public string? OpenId { get; init; }

        public bool AfterHandling { get; init; }

        public bool TryTake() => Interlocked.Decrement(ref _remaining) >= 0;
    }

    private sealed class Release(SimulatorFaults faults, TaskCompletionSource gate) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.CompareExchange(ref faults._hold, null, gate);
            gate.TrySetResult();
        }
    }
}
