// Single-thread throughput of the npm tokenizers on the same corpus text LlmKit's quick harness uses.
// Usage: node node-bench.mjs <utf16le text file> <seconds per measurement>
// Needs tiktoken, js-tiktoken and gpt-tokenizer in LLMKIT_BENCH_NODE_MODULES (a node_modules folder).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const modules = process.env.LLMKIT_BENCH_NODE_MODULES;
const require = createRequire(modules ? path.join(modules, "noop.js") : import.meta.url);
const [file, secondsArg] = process.argv.slice(2);
const text = readFileSync(file).toString("utf16le");
const bytes = Buffer.byteLength(text, "utf8");
const seconds = Number(secondsArg ?? "3");

function measure(fn) {
  for (let i = 0; i < 2; i++) fn(); // warm-up (JIT, caches)
  let runs = 0, tokens = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    tokens = fn();
    runs++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return { mbps: (bytes * runs) / elapsed / 1e6, tps: (tokens * runs) / elapsed, tokens };
}

const results = [];
for (const name of ["o200k_base", "cl100k_base"]) {
  const tiktoken = require("tiktoken").get_encoding(name);
  const reference = tiktoken.encode_ordinary(text);
  results.push({ impl: "npm tiktoken (wasm)", encoding: name, ...measure(() => tiktoken.encode_ordinary(text).length), same: true });

  const { Tiktoken } = require("js-tiktoken/lite");
  const js = new Tiktoken(require(`js-tiktoken/ranks/${name}`));
  const jsIds = js.encode(text, [], []);
  results.push({ impl: "js-tiktoken", encoding: name, ...measure(() => js.encode(text, [], []).length), same: same(jsIds, reference) });

  const gpt = require(`gpt-tokenizer/encoding/${name}`);
  const gptIds = gpt.encode(text, { disallowedSpecial: new Set() });
  results.push({ impl: "gpt-tokenizer", encoding: name, ...measure(() => gpt.encode(text, { disallowedSpecial: new Set() }).length), same: same(gptIds, reference) });
  tiktoken.free();
}
console.log(JSON.stringify(results));

function same(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
