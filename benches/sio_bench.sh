#!/usr/bin/env bash
# The Socket.IO benchmark (issue 9): a capture of 100,000 Socket.IO messages made with the bundled
# server and benches/sio_load.py (benches/make_sio_capture.sh), then `osiscope decode --format
# json` against tshark with WebSocket fields and cat on it (benches/decode_bench.sh), and peak RSS
# on the capture and on a copy twice as long (flat memory).
# Usage: benches/sio_bench.sh SIO.pcap   (made first when it does not exist; kept afterwards)
# Needs: what make_sio_capture.sh and decode_bench.sh need, and mergecap (wireshark-common).
set -euo pipefail
cap=$(realpath -m "${1:?usage: sio_bench.sh SIO.pcap}")
cd "$(dirname "$0")/.."
[ -f "$cap" ] || benches/make_sio_capture.sh "$cap"
benches/decode_bench.sh "$cap"
double=$(mktemp --suffix=.pcap)
trap 'rm -f "$double"' EXIT
mergecap -a -F pcap -w "$double" "$cap" "$cap"
for f in "$cap" "$double"; do
  /usr/bin/time -f "%M" -o /tmp/sio_bench.rss target/release/osiscope decode "$f" --format json >/dev/null
  echo "peak RSS $(($(cat /tmp/sio_bench.rss) / 1024)) MB: osiscope decode $(basename "$f") ($(stat -c %s "$f") bytes)"
done
