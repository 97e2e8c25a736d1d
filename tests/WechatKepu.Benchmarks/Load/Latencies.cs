namespace WechatKepu.Benchmarks.Load;

/// <summary>Latencies of one run, and the percentiles a benchmark reports.</summary>
public sealed class Latencies
{
    private readonly List<double> _ms = [];

    public void Add(TimeSpan t)
    {
        lock (_ms)
        {
            _ms.Add(t.TotalMilliseconds);
        }
    }

    public int Count => _ms.Count;

    public double Percentile(double p)
    {
        lock (_ms)
        {
            if (_ms.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _ms.Order().ToArray();
            return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        }
    }
}
