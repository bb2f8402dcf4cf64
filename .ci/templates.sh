#!/usr/bin/env bash
# Packs LlmKit.Templates, installs it into a throwaway template hive, creates a project from every template outside
# the repository and builds it against the LlmKit packages just packed (no project references, no repository props):
# exactly what a team gets from `dotnet new install LlmKit.Templates`.
# Usage: .ci/templates.sh <folder holding the packed LlmKit .nupkg files>
set -euo pipefail
cd "$(dirname "$0")/.."
packages=$(cd "$1" && pwd)

# Every sample is a template.
for sample in samples/*/; do
  [ -f "$sample.template.config/template.json" ] || { echo "$sample has no .template.config/template.json" >&2; exit 1; }
done

dotnet pack templates/LlmKit.Templates -c Release -o "$packages" --nologo
entries=$(unzip -Z1 "$packages"/LlmKit.Templates.[0-9]*.nupkg)
grep -q '/bin/\|/obj/' <<< "$entries" && { echo "LlmKit.Templates packs build output" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hive="$work/hive"
dotnet new install "$packages"/LlmKit.Templates.[0-9]*.nupkg --debug:custom-hive "$hive" >/dev/null

# Restore LlmKit from the packages built by this run, everything else from the usual feed. LlmKit entries are
# dropped from the packages cache before each build, so a stale 0.x from an earlier run can never be the one used.
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$packages" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="LlmKit.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML

global_packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
short_names=$(python3 -c 'import json,sys,glob
for f in sorted(glob.glob("samples/*/.template.config/template.json")): print(json.load(open(f))["shortName"])')
for short_name in $short_names; do
  name="Smoke$(tr -cd '[:alnum:]' <<< "$short_name")"
  dotnet new "$short_name" -o "$work/$name" --debug:custom-hive "$hive" >/dev/null
  rm -rf "$global_packages"/llmkit.*
  # The whole log only when the build fails; a pipe into tail could hide the exit status.
  if ! build_log=$(dotnet build "$work/$name" -c Release --nologo -v quiet -p:TreatWarningsAsErrors=true 2>&1); then
    echo "$build_log" >&2
    echo "template $short_name: the created project does not build" >&2
    exit 1
  fi
  grep -q " 0 Error(s)" <<< "$build_log" || { echo "$build_log" >&2; echo "template $short_name: build reported errors" >&2; exit 1; }
  echo "template $short_name: created and built"
done
