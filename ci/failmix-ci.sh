#!/bin/sh
# Generic runner for any CI (Jenkins, Buildkite, Drone, …): builds failmix if
# needed and runs the gate with plain output. Exit codes: 0 pass or warn,
# 1 the gate failed, 2 usage, input or configuration error.
#
#   ci/failmix-ci.sh [--range BASE..HEAD] [any other `failmix ci` options]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(command -v failmix 2>/dev/null || true)
if [ -z "$bin" ]; then
  bin="$here/.build/release/failmix"
  if [ ! -x "$bin" ]; then
    pkg-config --exists libgit2 2>/dev/null || { echo "failmix: libgit2-dev is missing" >&2; exit 2; }
    (cd "$here" && swift build -c release >&2) || exit 2
  fi
fi
exec "$bin" ci --provider plain "$@"
