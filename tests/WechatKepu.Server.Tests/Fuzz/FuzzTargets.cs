namespace WechatKepu.Server.Tests.Fuzz;

/// <summary>
/// What the fuzz run covers. Every endpoint the server maps is fuzzed unless listed in
/// <see cref="Excluded"/> (with the reason); a new endpoint is picked up without touching this file.
/// </summary>
public static class FuzzTargets
{
    /// <summary>"METHOD route pattern" → why it is not fuzzed here.</summary>
    public static readonly IReadOnlyDictionary<string, string> Excluded = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Any call to it is valid and ends the fuzzing parent's account; its own tests cover it.
        ["DELETE /api/mp/me"] = "erases the caller",
        // Likewise: any call ends the fuzzing parent's session (MpLoginTests covers it).
        ["POST /api/mp/logout"] = "ends the caller's session",
    };

    /// <summary>
    /// Tables a rejected request may legitimately change the row count of, with the reason. Empty on
    /// purpose: add one only with a reason a reviewer would accept.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> MayChangeOnRejection = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Query parameter names some endpoint reads; each case picks a few, plus made-up ones.</summary>
    public static readonly string[] QueryNames =
    [
        "category", "month", "district", "q", "signup", "page", "pageSize", "from", "to", "status", "sessionId",
        "activityId", "unit", "search", "format", "signature", "timestamp", "nonce", "echostr", "msg_signature",
        "encrypt_type", "openid", "id", "limit", "cursor",
    ];

    /// <summary>Property names of request bodies across features, for bodies shaped almost right.</summary>
    public static readonly string[] BodyNames =
    [
        "code", "name", "phone", "grade", "school", "gender", "birthYearMonth", "childIds", "privacyNoticeVersion",
        "agreed", "results", "title", "capacity", "waitlistCapacity", "startsAt", "endsAt", "venue", "reason",
        "templateId", "data", "tagId", "content", "password", "userName", "role", "unit", "topicId", "confirm",
    ];
}
