namespace WechatKepu.Data;

/// <summary>The campaign's wall clock: times are stored as UTC instants and shown in Asia/Shanghai.</summary>
public static class Shanghai
{
    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>The instant at which the Shanghai wall clock shows <paramref name="date"/> <paramref name="time"/>.</summary>
    public static DateTimeOffset At(DateOnly date, TimeOnly time) =>
        new(date.ToDateTime(time) - TimeSpan.FromHours(8), TimeSpan.Zero);

    public static DateTimeOffset ToShanghai(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);

    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(ToShanghai(clock.GetUtcNow()).DateTime);
}
