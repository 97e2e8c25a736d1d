using WechatKepu.Server.Features.Templates;

namespace WechatKepu.Server.Tests.Templates;

/// <summary>WeChat's rule for each field kind, as the subscribe-message documentation states it.</summary>
public sealed class TemplateFieldsTests
{
    [Theory]
    [InlineData("thing1", "科普日柳州启动仪式", true)]
    [InlineData("thing1", "全市居民健康素养线上知识问答活动第二期答题", false)] // 21 characters
    [InlineData("thing1", "两行\n文字", false)]
    [InlineData("short_thing2", "科学实验秀", true)]
    [InlineData("short_thing2", "科学实验秀场", false)]
    [InlineData("phrase3", "即将开始", true)]
    [InlineData("phrase3", "已开始OK", false)]
    [InlineData("phrase3", "报名即将截止了", false)]
    [InlineData("number4", "3.5", true)]
    [InlineData("number4", "三", false)]
    [InlineData("letter5", "ABC", true)]
    [InlineData("letter5", "AB1", false)]
    [InlineData("symbol6", "+-", true)]
    [InlineData("symbol6", "+-*/%=", false)]
    [InlineData("character_string7", "KP-20240919", true)]
    [InlineData("character_string7", "编号1", false)]
    [InlineData("time8", "15:01", true)]
    [InlineData("time8", "2019年10月1日 15:01", true)]
    [InlineData("time8", "2019年10月1日", false)]
    [InlineData("time8", "明天上午", false)]
    [InlineData("date9", "2019年10月1日", true)]
    [InlineData("date9", "2019年10月1日 15:01", true)]
    [InlineData("date9", "15:01", false)]
    [InlineData("amount10", "¥100.5", true)]
    [InlineData("amount10", "100元", true)]
    [InlineData("amount10", "一百元", false)]
    [InlineData("phone_number11", "0772-2825960", true)]
    [InlineData("phone_number11", "+86 138 0000 0000 00", false)]
    [InlineData("car_number12", "桂B12345", true)]
    [InlineData("car_number12", "桂B123456789", false)]
    [InlineData("name13", "张三", true)]
    [InlineData("name13", "欧阳诸葛司马长孙上官慕容", false)]
    [InlineData("name13", "Zhang San", true)]
    [InlineData("keyword1", "任意二十字以内的一行文字", true)]
    public void A_value_fits_its_field_kind_or_is_refused_in_chinese(string key, string value, bool ok)
    {
        var field = TemplateFields.Parse($"项目:{{{{{key}.DATA}}}}")[0];

        var error = TemplateFields.Check(field, value);

        Assert.True(ok == (error is null), error ?? $"{key} should refuse {value}");
        if (error is not null)
        {
            Assert.StartsWith("项目", error);
        }
    }

    [Fact]
    public void Content_lines_give_keys_kinds_and_labels_and_first_and_remark_are_hidden()
    {
        var fields = TemplateFields.Parse("{{first.DATA}}\n领奖  时间:    {{keyword2.DATA}}\n所在位置：{{enum_string2.DATA}}\n{ {remark.DATA} }",
            new Dictionary<string, IReadOnlyList<string>> { ["enum_string2"] = ["客厅"] });

        Assert.Equal(["first:keyword:True", "keyword2:keyword:False", "enum_string2:enum:False", "remark:keyword:True"],
            fields.Select(f => $"{f.Key}:{f.Kind}:{f.Hidden}"));
        Assert.Equal("领奖  时间", fields[1].Label);
        Assert.Equal("所在位置", fields[2].Label);
        Assert.Equal("所在位置只能是：客厅", TemplateFields.Check(fields[2], "卧室"));
        Assert.NotNull(TemplateFields.Check(fields[0], "您好"));
    }
}
