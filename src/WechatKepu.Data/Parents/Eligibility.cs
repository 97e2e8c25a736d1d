namespace WechatKepu.Data.Parents;

/// <summary>Grade and age of a child on a session's date, for the session's range rules.</summary>
public static class Eligibility
{
    /// <summary>
    /// The child's grade (0 幼儿园 … 9 九年级, 10–12 高一–高三) in the school year of <paramref name="on"/>.
    /// A stated grade wins; otherwise it follows from the birth month: a child who is six by 31 August
    /// starts 一年级 that September.
    /// </summary>
    public static int? GradeOn(short? grade, DateOnly? birthYearMonth, DateOnly on)
    {
        if (grade is not null)
        {
            return grade;
        }

        if (birthYearMonth is not { } b)
        {
            return null;
        }

        var schoolYear = on.Month >= 9 ? on.Year : on.Year - 1;
        var ageOnAugust31 = schoolYear - b.Year - (b.Month > 8 ? 1 : 0);
        return Math.Clamp(ageOnAugust31 - 5, 0, 12);
    }

    /// <summary>Age in whole years on <paramref name="on"/>; from the grade when no birth month is known.</summary>
    public static int? AgeOn(short? grade, DateOnly? birthYearMonth, DateOnly on)
    {
        if (birthYearMonth is { } b)
        {
            var age = on.Year - b.Year;
            return on.Month < b.Month ? age - 1 : age;
        }

        return grade is null ? null : grade + 6;
    }
}
