using System.Net;

namespace LlmKit.Evaluation.Reports;

/// <summary>HTML escaping for report text (case ids, reasons and model output are untrusted).</summary>
internal static class Html
{
    public static string Escape(string text) => WebUtility.HtmlEncode(text);
}
