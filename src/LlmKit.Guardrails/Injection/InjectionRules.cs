using System.Text.RegularExpressions;

namespace LlmKit.Guardrails.Injection;

/// <summary>
/// The phrase and markup rules of <see cref="InjectionScreen"/>. Every pattern runs on .NET's non-backtracking engine,
/// so screening time is linear in the text whatever it holds.
/// </summary>
internal static class InjectionRules
{
    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
    private const RegexOptions Lines = Options | RegexOptions.Multiline;

    internal sealed record Rule(string Name, InjectionKind Kind, double Confidence, Regex Pattern);

    public static readonly Rule[] All =
    [
        new("ignore-previous-instructions", InjectionKind.InstructionOverride, 0.9, new Regex(
            @"\b(ignore|disregard|forget|override|bypass|neglect)\b[^.\n]{0,40}\b(previous|prior|above|earlier|preceding|all|any|your|system|original|initial|foregoing)\b[^.\n]{0,30}\b(instructions?|prompts?|directions|directives?|rules|guidelines|guardrails|messages?|commands?|context)\b",
            Options)),
        new("ignore-instructions-translated", InjectionKind.InstructionOverride, 0.9, new Regex(
            @"\b(ignoriere|vergiss)\b[^.\n]{0,30}\b(anweisungen|instruktionen|regeln)\b|\bignore[zr]?\b[^.\n]{0,30}\b(les|toutes les)\s+(instructions|consignes)\b|\b(ignora|olvida)\b[^.\n]{0,30}\b(las\s+)?instrucciones\b",
            Options)),
        new("new-instructions", InjectionKind.InstructionOverride, 0.8, new Regex(
            @"\b(new|updated|real|actual|true|revised|additional)\s+(system\s+)?(instructions?|prompt|directives?)\s*:|\byour\s+(new|real|actual|only)\s+(task|instructions?|goal|objective|purpose)\s+(is|are)\b|\bfrom\s+now\s+on,?\s+(you|the assistant)\s+(will|must|shall|should|are)\b",
            Options)),
        new("important-instruction-to-assistant", InjectionKind.InstructionOverride, 0.75, new Regex(
            @"\b(important|attention|urgent|note)\b[^.\n]{0,20}\b(to|for)\s+(the\s+)?(ai|assistant|model|llm|agent|chatbot)\b|\b(ai|assistant|model|llm|agent)s?\s*(reading|processing)\s+this\b",
            Options)),
        new("persona-switch", InjectionKind.RolePlay, 0.75, new Regex(
            @"\byou\s+are\s+now\s+(a|an|the|in|my|no\s+longer)\b|\bpretend\s+(to\s+be|you\s+are)\b|\b(act|behave|respond)\s+as\s+(if\s+you\s+were\s+)?(an?\s+)?(unfiltered|unrestricted|uncensored|jailbroken|evil|different)\b",
            Options)),
        new("jailbreak-mode", InjectionKind.RolePlay, 0.85, new Regex(
            @"\b(do\s+anything\s+now|developer\s+mode\s+(enabled|on)|jailbr(ea|o)k(en)?|god\s+mode|(enter|enable|activate)\s+(developer|debug|admin|sudo|god)\s+mode)\b",
            Options)),
        new("reveal-system-prompt", InjectionKind.PromptExtraction, 0.75, new Regex(
            @"\b(reveal|print|show|output|repeat|leak|display|disclose|tell\s+me)\b[^.\n]{0,30}\b(system\s+prompt|hidden\s+prompt|initial\s+prompt|your\s+(instructions|rules|guidelines)|developer\s+message)\b",
            Options)),
        new("chat-template-token", InjectionKind.RoleMarker, 0.9, new Regex(
            @"<\|(im_start|im_end|system|user|assistant|start_header_id|end_header_id|eot_id|endoftext)\|>|\[/?INST\]|<</?SYS>>|</?(system|assistant)>",
            Options)),
        new("role-line", InjectionKind.RoleMarker, 0.5, new Regex(
            @"^[ \t]*(#{1,3}[ \t]*)?(system|developer)[ \t]*(prompt|message)?[ \t]*:",
            Lines)),
        new("fake-delimiter", InjectionKind.PromptDelimiter, 0.7, new Regex(
            @"\b(end\s+of\s+(the\s+)?(instructions|prompt|system\s+prompt|context|document|tool\s+output|data))\b|^[ \t]*[-=#*]{3,}[ \t]*(begin|end|start)[ \t]+(of[ \t]+)?(system|instructions?|prompt|user)\b|<\\?/tool-output",
            Lines)),
        new("markdown-image-with-query", InjectionKind.ExfiltrationLink, 0.85, new Regex(
            @"!\[[^\]\n]{0,200}\]\(\s*<?https?://[^)\s]+\?[^)\s]*=[^)\s]*\)",
            Options)),
        new("html-image-with-query", InjectionKind.ExfiltrationLink, 0.85, new Regex(
            @"<img\b[^>]{0,200}\bsrc\s*=\s*[""']?https?://[^""'\s>]+\?[^""'\s>]*=",
            Options)),
        new("send-data-to-url", InjectionKind.ExfiltrationLink, 0.75, new Regex(
            @"\b(send|post|upload|forward|exfiltrate|transmit|append)\b[^.\n]{0,60}\b(to|at|into)\s+(https?://|www\.)",
            Options)),
        new("hidden-html", InjectionKind.HiddenText, 0.7, new Regex(
            @"<[a-z][^>]{0,200}\bstyle\s*=\s*[""'][^""']{0,200}(display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(px)?\s*[;""']|opacity\s*:\s*0\s*[;""'])",
            Options)),
    ];
}
