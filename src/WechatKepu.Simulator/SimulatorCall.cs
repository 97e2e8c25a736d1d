namespace WechatKepu.Simulator;

/// <summary>One API call the simulator received, as tests and benchmarks read it back.</summary>
/// <param name="Sequence">Arrival order, from 1.</param>
/// <param name="AppId">Resolved from the access token, or the appid parameter; null when neither was valid.</param>
/// <param name="OpenId">The touser/openid the call was about, when it names one.</param>
/// <param name="Body">The JSON body (stable_token's without the secret); null for GET or when bodies are not recorded.</param>
/// <param name="Errcode">What the simulator answered; -1 for connections dropped before handling, the real outcome
/// for calls carried out and then dropped (<see cref="SimulatorFaults.DeliverThenDropNext"/>).</param>
/// <param name="MsgId">The msgid/msg_id returned (or the earlier one, on a dedup).</param>
/// <param name="Dropped">The connection was aborted without an answer (the caller saw no outcome).</param>
public sealed record SimulatorCall(
    long Sequence,
    DateTimeOffset At,
    string Path,
    string? AppId,
    string? OpenId,
    string? Body,
    int Errcode,
    long? MsgId = null,
    bool Dropped = false);
