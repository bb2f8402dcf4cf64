"""Runs Microsoft Presidio's default pattern recognizers over the PII corpus and writes their predictions.

Usage:
    python3 predict_presidio.py CORPUS.jsonl OUT.jsonl [--threshold 0.5] [--no-context]

Needs presidio-analyzer importable. On a machine with PyPI, `pip install presidio-analyzer` is enough. LlmKit's build
machines cannot reach PyPI, so the numbers in docs/privacy-and-safety.md come from Presidio's own source (a checkout of
github.com/microsoft/presidio on PYTHONPATH), Debian's python3-phonenumbers and python3-tldextract, and spacy_stub.py
standing in for spaCy (no NLP model can be installed there). Only spaCy-based NER (names, places) is missing that way;
every recognizer compared here is Presidio's own pattern code with its own validation (Luhn, IBAN mod-97, SSN ranges,
phonenumbers, tldextract).

Context: Presidio's AnalyzerEngine raises a score by 0.35 (to at least 0.4) when a recognizer's context word is among
the five tokens before the match (LemmaContextAwareEnhancer, spaCy lemmas). Without spaCy this script applies the same
rule to lower-cased word tokens, which is what the lemma rule sees for these context words. --no-context skips it.
"""
import json
import re
import sys
import time

try:
    import spacy  # noqa: F401
except ImportError:
    import spacy_stub  # noqa: F401

from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UrlRecognizer,
    UsSsnRecognizer,
)

TYPES = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
    "URL": "URL",
}
RECOGNIZERS = [
    EmailRecognizer(), PhoneRecognizer(), CreditCardRecognizer(), IbanRecognizer(),
    UsSsnRecognizer(), IpRecognizer(), UrlRecognizer(),
]
WORD = re.compile(r"[A-Za-z0-9_]+")
PREFIX_TOKENS = 5
CONTEXT_BOOST = 0.35
MIN_SCORE_WITH_CONTEXT = 0.4


def with_context(text, result, recognizer):
    words = recognizer.context or []
    if not words:
        return result.score
    before = [w.group(0).lower() for w in WORD.finditer(text[: result.start])][-PREFIX_TOKENS:]
    if any(w.lower() in before for w in words):
        return max(MIN_SCORE_WITH_CONTEXT, min(1.0, result.score + CONTEXT_BOOST))
    return result.score


def remove_contained(results):
    # Presidio's AnalyzerEngine drops a result contained in another of the same or higher score.
    kept = []
    for r in results:
        if any(o is not r and o.start <= r.start and r.end <= o.end and o.score >= r.score and (o.start, o.end) != (r.start, r.end) for o in results):
            continue
        if any((o.start, o.end, o.entity_type) == (r.start, r.end, r.entity_type) and o is not r and o.score > r.score for o in results):
            continue
        kept.append(r)
    return kept


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    threshold = float(sys.argv[sys.argv.index("--threshold") + 1]) if "--threshold" in sys.argv else 0.0
    context = "--no-context" not in sys.argv
    characters = 0
    spent = 0.0
    with open(corpus, encoding="utf-8") as source, open(out, "w", encoding="utf-8") as sink:
        for line in source:
            text = json.loads(line)["text"]
            characters += len(text)
            started = time.perf_counter()
            results = []
            for recognizer in RECOGNIZERS:
                for result in recognizer.analyze(text, recognizer.supported_entities, None) or []:
                    if context:
                        result.score = with_context(text, result, recognizer)
                    results.append(result)
            results = [r for r in remove_contained(results) if r.score >= threshold]
            spent += time.perf_counter() - started
            entities = [{"type": TYPES[r.entity_type], "start": r.start, "end": r.end} for r in results if r.entity_type in TYPES]
            sink.write(json.dumps({"entities": entities}) + "\n")
    print(f"Presidio recognizers: {characters} characters in {spent:.3f} s = {spent * 1e6 / (characters / 1024):.1f} us per KB", file=sys.stderr)


if __name__ == "__main__":
    main()
