namespace WechatKepu.Data.Parents;

/// <summary>How a sign-up request ended: placed (confirmed or waitlisted) or the first rule it broke.</summary>
public enum SignupOutcome
{
    Confirmed,
    Waitlisted,
    SessionNotFound,
    SessionCancelled,
    SignupNotOpen,
    SignupClosed,
    ChildNotFound,
    GradeOutOfRange,
    AgeOutOfRange,
    AlreadySignedUp,
    GuardianLimit,
    SessionFull,
    ConsentRequired,
    ProfileRequired,
    UserGone,
}

/// <summary>
/// <c>signup_claim_batch</c> answered an outcome this build does not know (the routine and the code disagree).
/// Whether the party was placed is then unknown: the request fails loudly instead of guessing.
/// </summary>
public sealed class UnknownSignupOutcomeException(string outcome)
    : InvalidOperationException($"signup_claim_batch answered outcome '{outcome}', which this build does not know")
{
    public string Outcome { get; } = outcome;
}

public static class SignupClaimOutcomes
{
    /// <summary>
    /// The one reading of <c>signup_claim_batch</c>'s text outcome (Migrations/Routines/signup_claim_batch.sql);
    /// anything else throws <see cref="UnknownSignupOutcomeException"/>.
    /// </summary>
    public static SignupOutcome Parse(string outcome) => outcome switch
    {
        "confirmed" => SignupOutcome.Confirmed,
        "waitlisted" => SignupOutcome.Waitlisted,
        "full" => SignupOutcome.SessionFull,
        "cancelled" => SignupOutcome.SessionCancelled,
        "duplicate" => SignupOutcome.AlreadySignedUp,
        "limit" => SignupOutcome.GuardianLimit,
        "user_gone" => SignupOutcome.UserGone,
        "child_gone" => SignupOutcome.ChildNotFound,
        _ => throw new UnknownSignupOutcomeException(outcome),
    };
}
