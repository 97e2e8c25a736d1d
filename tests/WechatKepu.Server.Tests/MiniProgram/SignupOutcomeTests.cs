using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using WechatKepu.Data.Parents;
using WechatKepu.Server.Tests.Infrastructure;

namespace WechatKepu.Server.Tests.MiniProgram;

/// <summary>A server whose errors are kept, so that a test can see that one was logged.</summary>
public sealed class LoggedKepuApp : KepuApp
{
    public ConcurrentQueue<(string Category, string Message, Exception? Exception)> Errors { get; } = new();

    protected override void Configure(IWebHostBuilder builder) =>
        builder.ConfigureLogging(l => l.AddProvider(new ErrorSink(Errors)));

    private sealed class ErrorSink(ConcurrentQueue<(string, string, Exception?)> errors) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, errors);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, string, Exception?)> errors) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    errors.Enqueue((category, formatter(state, exception), exception));
                }
            }
        }
    }
}

/// <summary>
/// The sign-up function's text answer is read once, into <see cref="SignupOutcome"/>; an answer this build does not
/// know fails the request loudly (logged, a 500 the parent can act on) instead of passing for "full".
/// </summary>
public sealed class SignupOutcomeTests(LoggedKepuApp app) : IClassFixture<LoggedKepuApp>
{
    [Theory]
    [InlineData("confirmed", SignupOutcome.Confirmed)]
    [InlineData("waitlisted", SignupOutcome.Waitlisted)]
    [InlineData("full", SignupOutcome.SessionFull)]
    [InlineData("cancelled", SignupOutcome.SessionCancelled)]
    [InlineData("duplicate", SignupOutcome.AlreadySignedUp)]
    [InlineData("limit", SignupOutcome.GuardianLimit)]
    [InlineData("user_gone", SignupOutcome.UserGone)]
    [InlineData("child_gone", SignupOutcome.ChildNotFound)]
    public void Every_answer_of_the_function_has_one_outcome(string text, SignupOutcome outcome) =>
        Assert.Equal(outcome, SignupClaimOutcomes.Parse(text));

    [Theory]
    [InlineData("bogus")]
    [InlineData("")]
    [InlineData("Full")]
    public void An_unknown_answer_throws(string text) =>
        Assert.Equal(text, Assert.Throws<UnknownSignupOutcomeException>(() => SignupClaimOutcomes.Parse(text)).Outcome);

    [Fact]
    public async Task An_unknown_outcome_from_the_function_fails_the_sign_up_loudly()
    {
        var session = await Sessions.CreateAsync(app, capacity: 3, waitlist: 0);
        var (parent, kids) = await Parent.ReadyAsync(app);
        await using (var conn = await app.OpenAsync())
        {
            // Same signature as Migrations/Routines/signup_claim_batch.sql; every party gets an answer no build knows.
            await using var replace = new NpgsqlCommand("""
                CREATE OR REPLACE FUNCTION signup_claim_batch(
                    p_session bigint, p_parties uuid[], p_users bigint[], p_sizes int[], p_children bigint[],
                    p_nows timestamptz[], p_max_active int)
                RETURNS TABLE (ord int, outcome text, ids bigint[], child_ids bigint[], waitlist_seq bigint, waitlist_position int, child_name text)
                LANGUAGE sql AS $$
                    SELECT i::int, 'bogus', NULL::bigint[], NULL::bigint[], NULL::bigint, NULL::int, NULL::text
                    FROM generate_series(1, coalesce(array_length(p_parties, 1), 0)) AS i
                $$
                """, conn);
            await replace.ExecuteNonQueryAsync();
        }

        var response = await parent.SignUpAsync(session, kids[0].Id);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError, "signup_outcome_unknown");
        Assert.Equal("报名结果暂时无法确认", problem.GetProperty("title").GetString());
        Assert.Contains(app.Errors, e => e.Category.EndsWith(nameof(SignupClaimBatcher), StringComparison.Ordinal) && e.Message.Contains("'bogus'")
            && e.Exception is UnknownSignupOutcomeException);
        Assert.Equal(0L, await app.ScalarAsync<long>($"SELECT count(*) FROM signups WHERE session_id = {session}"));
    }
}
