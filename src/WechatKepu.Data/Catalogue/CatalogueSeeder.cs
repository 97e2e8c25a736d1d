using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace WechatKepu.Data.Catalogue;

/// <summary>
/// Loads the shipped campaign plan (every activity of 五(一)–(四)) and, where asked, its made-up sample sessions.
/// Idempotent: rows are keyed by the plan's numbering, so a second start inserts nothing and
/// never overwrites what staff have changed since.
/// </summary>
public sealed class CatalogueSeeder(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<CatalogueSeeder> logger)
{
    public const string ResourceName = "Seed/catalogue-2024-liuzhou.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static SeedCatalogue Load()
    {
        using var stream = typeof(CatalogueSeeder).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing");
        return JsonSerializer.Deserialize<SeedCatalogue>(stream, Json)
            ?? throw new InvalidOperationException($"{ResourceName} is empty");
    }

    private const string InsertActivity = """
        INSERT INTO activities (code, category, sort_order, title, short_name, time_text, starts_on, ends_on, venue, districts,
                                host_units, organiser_units, co_organiser_units, description, audience, accepts_signups, from_seed)
        VALUES (@Code, @Category, @SortOrder, @Title, @ShortName, @TimeText, @StartsOn, @EndsOn, @Venue, @Districts,
                @HostUnits, @OrganiserUnits, @CoOrganiserUnits, @Description, @Audience, @AcceptsSignups, true)
        ON CONFLICT (code) DO NOTHING
        """;

    // Installs seeded before short names existed get them; a short name staff have set is kept.
    private const string FillShortName = "UPDATE activities SET short_name = @ShortName WHERE code = @Code AND from_seed AND short_name = ''";

    private const string InsertSession = """
        INSERT INTO sessions (activity_id, code, title, starts_at, ends_at, venue, capacity, waitlist_capacity,
                              signup_opens_at, signup_closes_at, cancel_deadline, min_grade, max_grade, is_sample)
        SELECT a.id, @Code, @Title, @StartsAt, @EndsAt, @Venue, @Capacity, @Waitlist,
               @OpensAt, @ClosesAt, @CancelDeadline, @MinGrade, @MaxGrade, true
        FROM activities a WHERE a.code = @ActivityCode
        ON CONFLICT (code) DO NOTHING
        """;

    // A deadline staff have moved is kept.
    private const string InsertSummaryCampaign = """
        INSERT INTO summary_campaigns (code, name, period_from, period_to, deadline, sort_order)
        VALUES (@Code, @Name, @PeriodFrom, @PeriodTo, @Deadline, @SortOrder)
        ON CONFLICT (code) DO NOTHING
        """;

    /// <summary>Inserts what is missing, with the sample sessions only when <paramref name="sampleSessions"/>; returns (activities, sessions) inserted.</summary>
    public async Task<(int Activities, int Sessions)> SeedAsync(bool sampleSessions = true, CancellationToken cancellationToken = default)
    {
        var catalogue = Load();
        var now = clock.GetUtcNow();
        var today = Shanghai.Today(clock);
        await using var conn = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        int activities = 0, sessions = 0;
        foreach (var (a, index) in catalogue.Activities.Select((a, i) => (a, i)))
        {
            activities += await conn.ExecuteAsync(new CommandDefinition(InsertActivity, new
            {
                a.Code, a.Category, SortOrder = index, a.Title, a.TimeText,
                StartsOn = a.StartsOn.ToDateTime(TimeOnly.MinValue), EndsOn = a.EndsOn.ToDateTime(TimeOnly.MinValue),
                a.Venue, a.Districts, a.HostUnits, a.OrganiserUnits, a.CoOrganiserUnits, a.Description, a.Audience,
                a.AcceptsSignups, ShortName = a.ShortName ?? "",
            }, tx, cancellationToken: cancellationToken));
            if (!string.IsNullOrEmpty(a.ShortName))
            {
                await conn.ExecuteAsync(new CommandDefinition(FillShortName, new { a.Code, a.ShortName }, tx, cancellationToken: cancellationToken));
            }

            foreach (var s in sampleSessions ? a.Sessions : [])
            {
                // The plan lists no sessions; samples are placed ahead of the install date so a fresh
                // install has something to sign up for, until staff replace them.
                var startsAt = Shanghai.At(today.AddDays(s.OffsetDays), TimeOnly.Parse(s.Start));
                sessions += await conn.ExecuteAsync(new CommandDefinition(InsertSession, new
                {
                    s.Code, s.Title, StartsAt = startsAt.UtcDateTime, EndsAt = startsAt.AddMinutes(s.Minutes).UtcDateTime,
                    s.Venue, s.Capacity, s.Waitlist,
                    OpensAt = now.UtcDateTime, ClosesAt = startsAt.AddHours(-12).UtcDateTime,
                    CancelDeadline = startsAt.AddHours(-24).UtcDateTime,
                    MinGrade = s.MinGrade, MaxGrade = s.MaxGrade, ActivityCode = a.Code,
                }, tx, cancellationToken: cancellationToken));
            }
        }

        foreach (var (c, index) in (catalogue.SummaryCampaigns ?? []).Select((c, i) => (c, i)))
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertSummaryCampaign, new
            {
                c.Code, c.Name, PeriodFrom = c.PeriodFrom.ToDateTime(TimeOnly.MinValue), PeriodTo = c.PeriodTo.ToDateTime(TimeOnly.MinValue),
                Deadline = Shanghai.At(c.Deadline, new TimeOnly(23, 59, 59)).UtcDateTime, SortOrder = index,
            }, tx, cancellationToken: cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);
        if (activities + sessions > 0)
        {
            logger.LogInformation("Catalogue seeded: {Activities} activities, {Sessions} sample sessions", activities, sessions);
        }

        return (activities, sessions);
    }
}

public sealed record SeedCatalogue(string Source, int Year, IReadOnlyList<SeedActivity> Activities, IReadOnlyList<SeedSummaryCampaign>? SummaryCampaigns = null);

/// <summary>A campaign the plan's section 七 asks summaries for; due by the end of <paramref name="Deadline"/> (Asia/Shanghai).</summary>
public sealed record SeedSummaryCampaign(string Code, string Name, DateOnly PeriodFrom, DateOnly PeriodTo, DateOnly Deadline);

public sealed record SeedActivity(
    string Code, string Category, string Title, string TimeText, DateOnly StartsOn, DateOnly EndsOn, string Venue,
    string[] Districts, string[] HostUnits, string[] OrganiserUnits, string[] CoOrganiserUnits,
    string Description, string Audience, bool AcceptsSignups = false, IReadOnlyList<SeedSession>? Sessions = null, string? ShortName = null)
{
    public IReadOnlyList<SeedSession> Sessions { get; init; } = Sessions ?? [];
}

public sealed record SeedSession(
    string Code, string Title, int OffsetDays, string Start, int Minutes, string Venue, int Capacity, int Waitlist,
    short? MinGrade, short? MaxGrade);
