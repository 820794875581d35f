#!/usr/bin/env bash
# Makes the big benchmark capture: real loopback WebSocket echo traffic between osiscope's echo
# server and a Python `websockets` load client, captured by tcpdump. ≥500k packets by default.
# Usage: benches/make_big_capture.sh OUT.pcap [CONNECTIONS] [MESSAGES_PER_CONNECTION]
# Needs: root (tcpdump), tcpdump, python3-websockets (apt-get install tcpdump python3-websockets).
set -euo pipefail
out=${1:?usage: make_big_capture.sh OUT.pcap [CONNECTIONS] [MESSAGES_PER_CONNECTION]}
conns=${2:-2000}
msgs=${3:-60}
port=${PORT:-18765}
cd "$(dirname "$0")/.."
cargo build --release --no-default-features -q
bin=target/release/osiscope
"$bin" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
tcpdump -i lo -s 0 -B 65536 -w "$out" "tcp port $port" 2>/tmp/make_big_capture.tcpdump &
dump=$!
trap 'kill $server $dump 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
python3 benches/ws_load.py "ws://127.0.0.1:$port/" "$conns" 50 "$msgs"
sleep 1
kill -INT $dump; wait $dump || true
kill $server; wait $server 2>/dev/null || true
trap - EXIT
cat /tmp/make_big_capture.tcpdump >&2
ls -l "$out"
