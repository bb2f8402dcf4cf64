namespace LlmKit.Guardrails.Pii.Detectors;

/// <summary>
/// ITU-T E.164 country calling codes in use, and the national significant number lengths of the most common
/// countries. Codes are prefix-free, so reading one, two, then three digits finds at most one.
/// </summary>
internal static class CountryCallingCodes
{
    private static readonly bool[] Assigned = Build();

    // (code, shortest, longest national significant number). Others get a generous 6–12.
    private static readonly Dictionary<int, (int Min, int Max)> Lengths = new()
    {
        [7] = (10, 10), [20] = (8, 10), [27] = (9, 9), [30] = (10, 10), [31] = (9, 9), [32] = (8, 9), [33] = (9, 9), [34] = (9, 9),
        [36] = (8, 9), [39] = (6, 11), [40] = (9, 9), [41] = (9, 9), [43] = (4, 13), [44] = (9, 10), [45] = (8, 8), [46] = (7, 10),
        [47] = (8, 8), [48] = (9, 9), [49] = (6, 13), [52] = (10, 10), [54] = (10, 11), [55] = (10, 11), [60] = (8, 10), [61] = (9, 9),
        [62] = (8, 12), [63] = (10, 10), [64] = (8, 10), [65] = (8, 8), [66] = (8, 9), [81] = (9, 10), [82] = (8, 10), [84] = (9, 10),
        [86] = (10, 11), [90] = (10, 10), [91] = (10, 10), [92] = (9, 10), [351] = (9, 9), [353] = (7, 9), [358] = (6, 11), [852] = (8, 8),
        [971] = (8, 9), [972] = (8, 9), [234] = (8, 10), [254] = (9, 9), [380] = (9, 9), [420] = (9, 9),
    };

    public static bool IsAssigned(int code) => code is > 0 and < 1000 && Assigned[code];

    public static (int Min, int Max) NationalLength(int code) => Lengths.TryGetValue(code, out var range) ? range : (6, 12);

    private static bool[] Build()
    {
        var assigned = new bool[1000];
        int[] single = [1, 7];
        int[] pairs = [20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98];
        (int From, int To)[] triples =
        [
            (211, 213), (216, 216), (218, 218), (220, 229), (230, 239), (240, 249), (250, 258), (260, 269), (290, 291), (297, 299),
            (350, 359), (370, 378), (380, 383), (385, 387), (389, 389), (420, 421), (423, 423), (500, 509), (590, 599), (670, 670),
            (672, 683), (685, 692), (850, 850), (852, 853), (855, 856), (870, 870), (880, 883), (886, 886), (888, 888), (960, 968),
            (970, 977), (992, 996), (998, 998),
        ];
        foreach (int code in single.Concat(pairs))
        {
            assigned[code] = true;
        }

        foreach (var (from, to) in triples)
        {
            for (int code = from; code <= to; code++)
            {
                assigned[code] = true;
            }
        }

        return assigned;
    }
}
