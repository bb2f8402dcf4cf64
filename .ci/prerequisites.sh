# Sourced by .ci/run: installs what the tests need on a fresh machine. Each step is idempotent.
# (Later steps add node packages for tokenizer parity, a PostgreSQL cluster, Chromium, ...)
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required" >&2; exit 1; }
command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq unzip >/dev/null; }
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }

# Tokens (issue 6): the npm `tiktoken` package is the parity oracle for LlmKit's tokenizer. Installed once into a
# temporary folder (reused when already there); the parity test finds it through LLMKIT_TIKTOKEN_NODE_MODULES and
# fails in CI when it is missing.
command -v node >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
LLMKIT_TIKTOKEN_DIR="${TMPDIR:-/tmp}/llmkit-tiktoken-oracle"
if [ ! -f "$LLMKIT_TIKTOKEN_DIR/node_modules/tiktoken/package.json" ]; then
  mkdir -p "$LLMKIT_TIKTOKEN_DIR"
  npm install --prefix "$LLMKIT_TIKTOKEN_DIR" --no-audit --no-fund --no-save --silent tiktoken@1.0.22 >/dev/null
fi
export LLMKIT_TIKTOKEN_NODE_MODULES="$LLMKIT_TIKTOKEN_DIR/node_modules"

# Local embeddings (issue 16): Hugging Face's Rust tokenizer (npm `tokenizers`, native binaries inside the package) is
# the reference for LlmKit's WordPiece tokenizer; the oracle test fails in CI when it is missing.
LLMKIT_HF_TOKENIZERS_DIR="${TMPDIR:-/tmp}/llmkit-hf-tokenizers"
if [ ! -f "$LLMKIT_HF_TOKENIZERS_DIR/node_modules/tokenizers/package.json" ]; then
  mkdir -p "$LLMKIT_HF_TOKENIZERS_DIR"
  npm install --prefix "$LLMKIT_HF_TOKENIZERS_DIR" --no-audit --no-fund --no-save --silent tokenizers@0.23.2 >/dev/null
fi
export LLMKIT_HF_TOKENIZERS_NODE_MODULES="$LLMKIT_HF_TOKENIZERS_DIR/node_modules"

# WebApi sample (issue 10): its browser tests drive Debian's headless Chromium with Microsoft.Playwright (whose node
# driver the NuGet package copies into bin/; no `playwright install`, no browser download) and fail in CI (CI=true)
# when Chromium is missing.
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# Shared state (PostgreSQL stores, pgvector retrieval) and the Redis cache test run against real servers that the test
# fixtures start in temporary folders: PostgreSQL 15 with pgvector built from the vendored source, and redis-server.
bash .ci/vendor/install-postgres.sh
command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
