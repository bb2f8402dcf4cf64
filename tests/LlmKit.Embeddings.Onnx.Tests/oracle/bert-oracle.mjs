// The reference for LlmKit's WordPiece tokenizer: Hugging Face's own Rust tokenizer (the npm `tokenizers` package),
// configured as sentence-transformers' BERT-uncased tokenizer.json is: BertNormalizer (clean text, CJK, accents
// follow lower-casing), BertPreTokenizer, WordPiece (##, 100 characters), [CLS] … [SEP].
// usage: node bert-oracle.mjs <vocab.txt> <in.json: [base64 UTF-16LE]> <out.json: [[ids]]>
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { Tokenizer } = require(join(process.env.LLMKIT_HF_TOKENIZERS_NODE_MODULES, "tokenizers"));
const [vocabPath, inPath, outPath] = process.argv.slice(2);
const vocab = {};
readFileSync(vocabPath, "utf8").split("\n").forEach((token, id) => {
  token = token.replace(/\r$/, "");
  if (token.length > 0 && !(token in vocab)) vocab[token] = id;
});
const special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
const config = {
  version: "1.0",
  truncation: null,
  padding: null,
  added_tokens: special.map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
  normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: "BertPreTokenizer" },
  post_processor: { type: "BertProcessing", sep: ["[SEP]", vocab["[SEP]"]], cls: ["[CLS]", vocab["[CLS]"]] },
  decoder: null,
  model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
};
const tokenizer = Tokenizer.fromString(JSON.stringify(config));
const texts = JSON.parse(readFileSync(inPath, "utf8")).map((b64) => Buffer.from(b64, "base64").toString("utf16le"));
const out = [];
for (const text of texts) {
  const encoding = await tokenizer.encode(text);
  out.push(Array.from(encoding.getIds()));
}
writeFileSync(outPath, JSON.stringify(out));
