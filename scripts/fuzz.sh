#!/usr/bin/env bash
# libFuzzer targets for failmix's parsers and decoders (issue #11).
#
#   scripts/fuzz.sh build              build Fuzz/ (-sanitize=fuzzer + AddressSanitizer)
#   scripts/fuzz.sh seeds              write seed corpora to Fuzz/corpus/TARGET
#   scripts/fuzz.sh run SECONDS        run every target for SECONDS each, one at a time
#   scripts/fuzz.sh one TARGET RUNS    run one target for RUNS executions
#
# Swift on Linux has no UndefinedBehaviorSanitizer; Swift's own checks trap
# on integer overflow and bad indices, which libFuzzer reports as crashes.
# Crashers land in Fuzz/crashes/TARGET/; each must become a regression test,
# and its input goes to Fuzz/regressions/TARGET/, which every run replays first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
root=$PWD
bin=Fuzz/.build/release/failmix-fuzz
targets="records timestamp config messages records-cache session-ids evidence-cache state"
# The Swift runtime's crash reporter would fight ASan's; libFuzzer reports.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/Fuzz/lsan.supp:print_suppressions=0}"

build() {
  # SwiftPM keeps the plan of the parent package (path dependency) and misses
  # source files added to it since; the manifest plan is cheap to redo.
  rm -f Fuzz/.build/release.yaml
  swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing --sanitize=address \
    2>&1 | grep -v "ld.gold: warning: Cannot export local symbol" || true
  [ -x "$bin" ] || { echo "fuzz: build failed" >&2; exit 1; }
}

seeds() {
  set +o pipefail  # head closes pipes early on purpose
  local c=Fuzz/corpus t
  for t in $targets; do mkdir -p "$c/$t"; done
  local shared=${FAILMIX_SHARED:-../shared}
  local real=$shared/data/real/skogbackup-claude-session-records.jsonl
  # records and timestamps: real records, a noisy generated fixture, edge cases.
  if [ -f "$real" ]; then
    head -n 600 "$real" | split -l 3 - "$c/records/real-"
    grep -o '"\(timestamp\|start_time\|end_time\)": *"[^"]*"' "$real" | head -n 300 | sed 's/.*: *"//; s/"$//' | sort -u |
      while read -r ts; do printf '%s' "$ts" > "$c/timestamp/$(printf '%s' "$ts" | md5sum | cut -c1-12)"; done
  fi
  if [ -x "$shared/tools/make-fixture" ]; then
    local d; d=$(mktemp -d)
    "$shared/tools/make-fixture" "$d/fx" --sessions 60 --seed 7 --noise >/dev/null
    split -l 4 "$d/fx/session-records.jsonl" "$c/records/fixture-"
    rm -rf "$d"
  fi
  printf '%s\n' '{"session_id":"a","timestamp":"2026-01-01T00:00:00Z","duration_seconds":1e19}' \
    '{"session_id":"b","start_time":"0000-01-01T00:00:00Z","end_time":"9999-12-31T24:00:00+23:59","grade_reasons":{"harm":["ci_break"]}}' \
    '{"session_id":"c\u001b]0;x\u0007","deliverables":["abc1234 fixed",{"x":1}],"grades":{"productivity":"high"}}' > "$c/records/edge"
  for ts in 2026-01-01T00:00:00Z 2026-01-01 "2026-01-01 24:00:00" 2026-01-01T00:00:00.123456789+05:30 20260101T000000 0001-01-01T00:00:00-23:59:59; do
    printf '%s' "$ts" > "$c/timestamp/$(printf '%s' "$ts" | md5sum | cut -c1-12)"
  done
  # config: the init template and every test's configuration.
  local ws; ws=$(mktemp -d)
  git init -q "$ws/repo"
  (cd "$ws/repo" && "$root/.build/debug/failmix" init >/dev/null 2>&1 || true)
  [ -f "$ws/repo/.failmix.toml" ] && cp "$ws/repo/.failmix.toml" "$c/config/template"
  printf '[[rules]]\nname = "r"\nmode = "noop"\nwindow = 30\nfail = 0.5\nstreak = 3\n\n[modes.x]\nwhen = [{ field = "a.b", less_than = 0.2, missing = 1 }]\n\n[gate]\ntimeout = 5\non_error = "open"\n' > "$c/config/rules"
  # messages: this repository's own commit messages, and revert/trailer/notes shapes.
  local i=0
  git log -n 200 --format='%B%x00' | while IFS= read -r -d '' m; do i=$((i + 1)); printf '%s' "$m" > "$c/messages/log-$i"; done
  printf 'Revert "x"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n\nGit-Session-Id: s1\nSigned-off-by: A <a@b>\n' > "$c/messages/revert"
  printf 'status: failure\njob: unit\nurl: https://ci.example/1\nat: 2026-01-01T00:00:00Z\n' > "$c/messages/note"
  printf '{"status": "failure", "job": "unit"}' > "$c/messages/note-json"
  # caches and state: written by the real binary on a small workspace.
  local repo="$ws/repo"
  mkdir -p "$repo/state/sessions"
  for n in $(seq 0 40); do
    printf '{"session_id": "s%d", "timestamp": "2026-01-02T%02d:00:00Z", "outcome": "%s", "deliverables": ["%07x"]}\n' \
      "$n" $((n % 24)) "$([ $((n % 3)) = 0 ] && echo failed || echo productive)" $((n * 7919))
  done > "$repo/state/sessions/session-records.jsonl"
  (cd "$repo" && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m x &&
    "$root/.build/debug/failmix" gate >/dev/null 2>&1;
    "$root/.build/debug/failmix" ack failure-rate --sessions 5 --reason seed >/dev/null 2>&1;
    "$root/.build/debug/failmix" report --agent-author 'a@*' >/dev/null 2>&1) || true
  for f in "$repo"/.git/failmix/cache/*; do
    case "$f" in
      */evidence.cache) head -c -8 "$f" > "$c/evidence-cache/$(basename "$f")" ;;  # the targets append the checksum
      *.cache) head -c -8 "$f" > "$c/records-cache/$(basename "$f")" ;;
      *.ids) cp "$f" "$c/session-ids/" ;;
    esac
  done
  [ -f "$repo/.git/failmix/state.json" ] && cp "$repo/.git/failmix/state.json" "$c/state/state.json"
  printf '{"paused": true, "probe": {"allowed": 1, "afterSessions": 3}, "acks": [], "reasons": ["x"], "rules": ["failure-rate"]}' > "$c/state/paused"
  rm -rf "$ws"
  for t in $targets; do echo "seeds: $t $(ls "$c/$t" | wc -l)"; done
}

one() {
  local target=$1 runs=$2 seconds=${3:-0}
  mkdir -p "Fuzz/crashes/$target" "Fuzz/work/$target"
  local args=(-artifact_prefix="Fuzz/crashes/$target/" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
  [ "$runs" -gt 0 ] && args+=(-runs="$runs")
  [ "$seconds" -gt 0 ] && args+=(-max_total_time="$seconds")
  # FUZZ_SEED fixes libFuzzer's mutation sequence (CI: a run that can be repeated); unset, a random one.
  [ -n "${FUZZ_SEED:-}" ] && args+=(-seed="$FUZZ_SEED")
  local extra=()
  [ -d "Fuzz/regressions/$target" ] && extra=("Fuzz/regressions/$target")
  nice -n 19 "$bin" "$target" "${args[@]}" "Fuzz/work/$target" "Fuzz/corpus/$target" "${extra[@]}"
}

case "${1:-}" in
  build) build ;;
  seeds) seeds ;;
  one) one "$2" "${3:-0}" "${4:-0}" ;;
  run)
    seconds=${2:-20}
    for t in $targets; do
      echo "== fuzz $t (${seconds}s)"
      one "$t" 0 "$seconds" 2>&1 | grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|ERROR|SUMMARY|Test unit written" || true
      [ -z "$(ls -A "Fuzz/crashes/$t")" ] || { echo "fuzz: $t crashed, see Fuzz/crashes/$t" >&2; exit 1; }
    done ;;
  *) sed -n '2,11p' "$0"; exit 2 ;;
esac
