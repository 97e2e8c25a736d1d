using Dapper;

namespace WechatKepu.Server.Tests.Infrastructure;

/// <summary>Creates sessions for a test straight in the database (staff tooling comes with the console).</summary>
public static class Sessions
{
    public static async Task<long> CreateAsync(
        KepuApp app, int capacity, int waitlist, short? minGrade = null, short? maxGrade = null,
        TimeSpan? startsIn = null, TimeSpan? opensIn = null, TimeSpan? closesBeforeStart = null, TimeSpan? cancelBeforeStart = null)
    {
        var now = app.Clock.GetUtcNow();
        var starts = now + (startsIn ?? TimeSpan.FromDays(10));
        await using var conn = await app.OpenAsync();
        return await conn.ExecuteScalarAsync<long>("""
            INSERT INTO sessions (activity_id, title, starts_at, ends_at, venue, capacity, waitlist_capacity,
                                  signup_opens_at, signup_closes_at, cancel_deadline, min_grade, max_grade)
            SELECT id, '测试场次', @starts, @ends, '柳州科技馆', @capacity, @waitlist, @opens, @closes, @cancel, @minGrade, @maxGrade
            FROM activities WHERE code = '5.1.2'
            RETURNING id
            """, new
        {
            starts = starts.UtcDateTime,
            ends = starts.AddHours(2).UtcDateTime,
            capacity,
            waitlist,
            opens = (now + (opensIn ?? TimeSpan.FromDays(-1))).UtcDateTime,
            closes = (starts - (closesBeforeStart ?? TimeSpan.FromHours(12))).UtcDateTime,
            cancel = (starts - (cancelBeforeStart ?? TimeSpan.FromDays(1))).UtcDateTime,
            minGrade,
            maxGrade,
        });
    }
}
