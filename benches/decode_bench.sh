#!/usr/bin/env bash
# Decode speed and memory: osiscope against tshark and cat on the same big capture, in one run.
# Usage: benches/decode_bench.sh BIG.pcap   (make one with benches/make_big_capture.sh)
# Needs: hyperfine, tshark (apt-get install hyperfine tshark).
set -euo pipefail
big=${1:?usage: decode_bench.sh BIG.pcap}
cd "$(dirname "$0")/.."
cargo build --release --no-default-features -q
bin=$PWD/target/release/osiscope
packets=$("$bin" decode "$big" --quiet --summary | grep -c . || true)
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-markdown /tmp/decode_bench.md \
  -n "osiscope decode --format json" "$bin decode $big --format json >/dev/null" \
  -n "tshark -T fields" "tshark -r $big -T fields -e frame.number -e tcp.flags -e websocket.opcode -e websocket.payload_length >/dev/null" \
  -n "cat" "cat $big >/dev/null"
cat /tmp/decode_bench.md
echo
for cmd in "$bin decode $big --format json" "tshark -r $big -T fields -e frame.number -e tcp.flags -e websocket.opcode -e websocket.payload_length"; do
  rss=$( { /usr/bin/time -v $cmd >/dev/null; } 2>&1 | awk -F': ' '/Maximum resident/ {print $2}')
  echo "peak RSS ${rss} kB: $cmd"
done
