namespace WechatKepu.Data.Delivery;

/// <summary>
/// The Shanghai wall-clock span in which non-urgent pushes wait (default 22:00–07:00). A span whose
/// start is after its end wraps midnight; equal start and end means no quiet hours.
/// </summary>
public readonly record struct QuietHours(TimeOnly Start, TimeOnly End)
{
    public bool Contains(DateTimeOffset instant)
    {
        var local = TimeOnly.FromTimeSpan(Shanghai.ToShanghai(instant).TimeOfDay);
        return Start == End ? false
            : Start < End ? local >= Start && local < End
            : local >= Start || local < End;
    }

    /// <summary>The first instant at or after <paramref name="instant"/> outside quiet hours.</summary>
    public DateTimeOffset NextAllowed(DateTimeOffset instant)
    {
        if (!Contains(instant))
        {
            return instant;
        }

        var local = Shanghai.ToShanghai(instant);
        var date = DateOnly.FromDateTime(local.DateTime);
        var end = Shanghai.At(date, End);
        return end > instant ? end : Shanghai.At(date.AddDays(1), End);
    }
}
