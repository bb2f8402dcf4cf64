# Sourced by .ci/run: installs what the tests need on a fresh machine. Each step is idempotent.
# (Later steps add node packages for tokenizer parity, a PostgreSQL cluster, Chromium, ...)
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required" >&2; exit 1; }
command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq unzip >/dev/null; }
command -v python3 >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 >/dev/null; }
