#!/usr/bin/env bash
# Remake the five compare-*.pcapng captures (the same 20-message chat carried by polling,
# long-polling, SSE, WebSocket and Socket.IO) with `osiscope compare`, which records each live on
# loopback (needs CAP_NET_RAW: run as root or after setcap), and their tshark references
# (captures/compare-*.tshark.tsv) with .ci/reference.sh. Prints the table of the run.
# Usage: captures/make_compare_captures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --no-default-features --quiet
osiscope=${CARGO_TARGET_DIR:-target}/debug/osiscope
tmp=$(mktemp -d)
"$osiscope" compare --output-dir "$tmp"
cp "$tmp"/compare-*.pcapng captures/
bash .ci/reference.sh "$tmp" "$tmp/ref"
for f in "$tmp"/ref/compare-*.tsv; do
  n=$(basename "$f" .tsv)
  mv "$f" "captures/$n.tshark.tsv"
done
rm -rf "$tmp"
