namespace WechatKepu.Wechat.Tests.Api;

public sealed class WechatErrorsTests
{
    [Theory]
    [InlineData(-1, WechatErrorKind.Retryable)]
    [InlineData(45009, WechatErrorKind.Retryable)]
    [InlineData(40001, WechatErrorKind.Token)]
    [InlineData(40014, WechatErrorKind.Token)]
    [InlineData(42001, WechatErrorKind.Token)]
    [InlineData(43101, WechatErrorKind.UserState)]
    [InlineData(43004, WechatErrorKind.UserState)]
    [InlineData(45015, WechatErrorKind.UserState)]
    [InlineData(40003, WechatErrorKind.PermanentRequest)]
    [InlineData(40037, WechatErrorKind.PermanentRequest)]
    [InlineData(41030, WechatErrorKind.PermanentRequest)]
    [InlineData(47003, WechatErrorKind.PermanentRequest)]
    [InlineData(40125, WechatErrorKind.Configuration)]
    [InlineData(40164, WechatErrorKind.Configuration)]
    [InlineData(48001, WechatErrorKind.Configuration)]
    [InlineData(40029, WechatErrorKind.LoginCode)]
    [InlineData(40163, WechatErrorKind.LoginCode)]
    [InlineData(45011, WechatErrorKind.LoginCode)]
    [InlineData(45065, WechatErrorKind.AlreadySent)]
    [InlineData(45066, WechatErrorKind.AlreadySent)]
    [InlineData(99999, WechatErrorKind.Other)]
    public void Errcode_is_classified_by_what_the_caller_should_do(int errcode, WechatErrorKind kind) =>
        Assert.Equal(kind, WechatErrors.Classify(errcode));
}
