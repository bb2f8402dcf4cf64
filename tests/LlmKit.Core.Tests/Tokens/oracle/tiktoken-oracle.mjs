// Parity oracle: encodes texts with the npm `tiktoken` package (OpenAI's Rust tiktoken compiled to WebAssembly).
// Usage: node tiktoken-oracle.mjs <input.json> <output.json>
//   input:  [{ "encoding": "o200k_base", "utf16le": "<base64 of UTF-16LE code units>", "special": "none" | "all" }]
//   output: [[id, id, ...], ...] in input order.
// Texts travel as raw UTF-16 code units so unpaired surrogates reach the JS string unchanged; tiktoken's bindings
// (wasm-bindgen) then pass the string to Rust through TextEncoder, which replaces each unpaired surrogate with U+FFFD.
// The package is found in LLMKIT_TIKTOKEN_NODE_MODULES (a node_modules folder), else resolved normally.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const modules = process.env.LLMKIT_TIKTOKEN_NODE_MODULES;
const require = createRequire(modules ? path.join(modules, "noop.js") : import.meta.url);
const { get_encoding } = require("tiktoken");

const [input, output] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(input, "utf8"));
const encoders = new Map();
const results = cases.map((c) => {
  if (!encoders.has(c.encoding)) encoders.set(c.encoding, get_encoding(c.encoding));
  const text = Buffer.from(c.utf16le, "base64").toString("utf16le");
  const enc = encoders.get(c.encoding);
  return Array.from(c.special === "all" ? enc.encode(text, "all") : enc.encode_ordinary(text));
});
for (const enc of encoders.values()) enc.free();
writeFileSync(output, JSON.stringify(results));
