#!/usr/bin/env bash
# Installs PostgreSQL 15 (Debian apt) and builds the pgvector extension from the source tarball next to this script.
# Idempotent: does nothing that is already done. Needs root (apt, make install). Prints what it did.
# Usage: .ci/vendor/install-postgres.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=0.8.6
if ! [ -x /usr/lib/postgresql/15/bin/initdb ] || ! [ -x /usr/bin/pg_config ] || ! dpkg -s postgresql-server-dev-15 >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-server-dev-15 build-essential >/dev/null
  echo "installed postgresql-15 and postgresql-server-dev-15"
fi
if [ -f /usr/share/postgresql/15/extension/vector.control ] && grep -q "default_version = '$version'" /usr/share/postgresql/15/extension/vector.control; then
  echo "pgvector $version already installed"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$here/pgvector-$version.tar.gz" -C "$work"
make -s -C "$work/pgvector-$version" PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null 2>&1
make -s -C "$work/pgvector-$version" PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config install >/dev/null
echo "built and installed pgvector $version"
