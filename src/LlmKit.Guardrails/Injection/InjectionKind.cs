namespace LlmKit.Guardrails.Injection;

/// <summary>What kind of planted instruction a screening rule found.</summary>
public enum InjectionKind
{
    /// <summary>Text telling the model to ignore, forget or override its instructions, or giving it new ones.</summary>
    InstructionOverride = 1,

    /// <summary>Text assigning the model a new persona or mode ("you are now", "developer mode", "DAN").</summary>
    RolePlay,

    /// <summary>Text asking the model to reveal its system prompt or instructions.</summary>
    PromptExtraction,

    /// <summary>Chat-template and role markers (<c>&lt;|im_start|&gt;</c>, <c>[INST]</c>, <c>&lt;&lt;SYS&gt;&gt;</c>, a "system:" line).</summary>
    RoleMarker,

    /// <summary>Delimiters that pretend to end the data or the prompt ("END OF INSTRUCTIONS", a closing tool-output tag).</summary>
    PromptDelimiter,

    /// <summary>Invisible text: Unicode tag characters, bidirectional overrides, runs of zero-width characters, hidden HTML.</summary>
    HiddenText,

    /// <summary>Links that would carry data out when rendered or followed (a markdown image whose URL has a query string).</summary>
    ExfiltrationLink,
}
