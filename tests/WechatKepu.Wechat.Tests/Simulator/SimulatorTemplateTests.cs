using System.Text.Json;
using WechatKepu.Simulator;
using WechatKepu.Wechat.Api;
using WechatKepu.Wechat.Api.Models.Subscribe;
using WechatKepu.Wechat.Api.Models.Template;
using static WechatKepu.Wechat.Tests.Simulator.SimulatorCorpusTests;

namespace WechatKepu.Wechat.Tests.Simulator;

/// <summary>The simulator's template lists answer what tests/Corpus documents, and a deleted template leaves them.</summary>
public sealed class SimulatorTemplateTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private async Task<(TestAccount Account, HttpClient Http, string Token)> AccountAsync()
    {
        var account = fixture.NewAccount();
        var token = await account.Client.Tokens.GetTokenAsync(CancellationToken.None);
        return (account, new HttpClient { BaseAddress = new Uri(fixture.Host.BaseUrl) }, token);
    }

    /// <summary>The corpus's own templates, put into the simulator as an admin would add them.</summary>
    private static void AddCorpusTemplates(WechatSimulator sim, string appId)
    {
        var oa = JsonSerializer.Deserialize<PrivateTemplateListResponse>(WechatKepu.Testing.Corpus.Read("api/get_all_private_template.ok.json"), WechatApiClient.JsonOptions)!;
        foreach (var t in oa.Templates)
        {
            sim.AddTemplate(appId, new SimTemplate(t.TemplateId, t.Title, t.Content, t.Example ?? "", PrimaryIndustry: t.PrimaryIndustry ?? "", DeputyIndustry: t.DeputyIndustry ?? ""));
        }

        var mp = JsonSerializer.Deserialize<SubscribeTemplateListResponse>(WechatKepu.Testing.Corpus.Read("api/newtmpl_gettemplate.ok.json"), WechatApiClient.JsonOptions)!;
        foreach (var t in mp.Templates)
        {
            sim.AddTemplate(appId, new SimTemplate(t.PriTmplId, t.Title, t.Content, t.Example ?? "", t.Type,
                Enums: t.KeywordEnumValueList?.ToDictionary(e => e.KeywordCode, e => e.EnumValueList.ToArray())));
        }
    }

    [Fact]
    public async Task Both_lists_have_the_documented_shapes_and_the_official_one_has_no_errcode()
    {
        var (account, http, token) = await AccountAsync();
        AddCorpusTemplates(account.Sim, account.AppId);

        var oa = JsonDocument.Parse(await http.GetStringAsync($"/cgi-bin/template/get_all_private_template?access_token={token}")).RootElement;
        var mp = JsonDocument.Parse(await http.GetStringAsync($"/wxaapi/newtmpl/gettemplate?access_token={token}")).RootElement;

        Assert.Equal(CorpusShape("api/get_all_private_template.ok.json"), Shape(oa));
        Assert.False(oa.TryGetProperty("errcode", out _));
        Assert.Equal(CorpusShape("api/newtmpl_gettemplate.ok.json"), Shape(mp));
        Assert.Equal(0, mp.GetProperty("errcode").GetInt32());
    }

    [Fact]
    public async Task An_account_without_templates_lists_none_and_a_refusal_is_http_200_with_errcode()
    {
        var (account, http, token) = await AccountAsync();

        Assert.Empty((await account.Client.GetPrivateTemplatesAsync()).Templates);
        Assert.Equal(CorpusShape("api/newtmpl_gettemplate.empty.json"),
            Shape(JsonDocument.Parse(await http.GetStringAsync($"/wxaapi/newtmpl/gettemplate?access_token={token}")).RootElement));

        account.Sim.Faults.FailNext(1, 48001, "/cgi-bin/template/get_all_private_template");
        var refused = await http.GetAsync($"/cgi-bin/template/get_all_private_template?access_token={token}");
        Assert.Equal(200, (int)refused.StatusCode);
        var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(CorpusShape("api/get_all_private_template.48001.json"), Shape(body));
        Assert.Equal(48001, body.GetProperty("errcode").GetInt32());
    }

    [Fact]
    public async Task A_deleted_template_leaves_the_list_and_sends_with_it_answer_40037()
    {
        var (account, _, _) = await AccountAsync();
        AddCorpusTemplates(account.Sim, account.AppId);
        const string openId = "oAbeuEchsVEoR7TJYHSDATOCN1D6";
        account.Sim.AddFollower(account.AppId, openId);
        const string gone = "iPk5sOIt5X_flOVKn5GrTFpncEYTojx6ddbt8WYoV5s";

        account.Sim.RemoveTemplate(account.AppId, gone);
        var list = await account.Client.GetPrivateTemplatesAsync();
        var e = await Assert.ThrowsAsync<WechatApiException>(() => account.Client.SendTemplateMessageAsync(
            new TemplateSendRequest(openId, gone, new Dictionary<string, TemplateValue> { ["thing1"] = new("科普日") })));

        Assert.Equal(["bD6qE3vKq9X0nHj2mYtL5sRwP8cUa1ZfGk4oNiV7xTe", "RQNOdQ7MMMzbyS-m3E5a9w8qNWZl857-d2i76EAwEGI"], list.Templates.Select(t => t.TemplateId));
        Assert.Equal(2, (await account.Client.GetSubscribeTemplatesAsync()).Templates.Count);
        Assert.Equal(40037, e.Errcode);
    }
}
