#!/usr/bin/env bash
# Checks that `osiscope decode` prints byte-identical output to a reference binary on every capture
# in captures/ and ../shared/corpus/captures (text, --summary and --format json). Used to prove that a
# refactoring changed no behaviour.
#
#   .ci/same_output.sh REFERENCE_BINARY [NEW_BINARY]
#
# REFERENCE_BINARY is, e.g., a release build of an earlier commit:
#   git worktree add /tmp/ref 9592e93 && (cd /tmp/ref && cargo build --release) && \
#   .ci/same_output.sh /tmp/ref/target/release/osiscope
# Extra files to compare may be given in SAME_OUTPUT_EXTRA (space-separated paths).
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:?usage: same_output.sh REFERENCE_BINARY [NEW_BINARY]}
new=${2:-target/release/osiscope}
corpus=../shared/corpus
[ -d "$corpus" ] || corpus=/work/shared/corpus
[ -d "$corpus" ] || { echo "the public corpus is not at ../shared/corpus or /work/shared/corpus" >&2; exit 2; }
files=(captures/*.pcap* "$corpus"/captures/*.pcap*)
# shellcheck disable=SC2206
[ -n "${SAME_OUTPUT_EXTRA:-}" ] && files+=($SAME_OUTPUT_EXTRA)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  for mode in text summary json; do
    case $mode in
      text) args=(decode "$f") ;;
      summary) args=(decode "$f" --summary) ;;
      json) args=(decode "$f" --format json) ;;
    esac
    "$ref" "${args[@]}" >"$tmp/ref" 2>"$tmp/ref.err" || echo "exit $?" >>"$tmp/ref"
    "$new" "${args[@]}" >"$tmp/new" 2>"$tmp/new.err" || echo "exit $?" >>"$tmp/new"
    n=$((n + 1))
    if ! cmp -s "$tmp/ref" "$tmp/new"; then
      echo "DIFFERENT: $mode $f"
      diff <(head -c 200000 "$tmp/ref") <(head -c 200000 "$tmp/new") | head -8 || true
      fail=1
    fi
  done
done
if [ "$fail" = 0 ]; then
  echo "same output: $n decodes of ${#files[@]} captures are byte-identical"
else
  echo "output differs (see above)"
  exit 1
fi
