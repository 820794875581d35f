#!/usr/bin/env bash
# Makes the Socket.IO benchmark capture: the bundled server (`osiscope serve`) and
# benches/sio_load.py (Socket.IO clients on the WebSocket transport) on loopback, captured by
# tcpdump on `lo` (Ethernet link type). With the defaults, 100 clients × 500 `chat` events on the
# `/compare` namespace, each answered by the server: 100,000 Socket.IO EVENT packets.
# Usage: benches/make_sio_capture.sh OUT.pcap [CONNECTIONS] [MESSAGES_PER_CONNECTION]
#   PORT (default 18775) picks the port; CONCURRENCY (default 20) how many clients run at once.
# Needs: root (tcpdump), tcpdump, python3-websockets (apt-get install tcpdump python3-websockets).
set -euo pipefail
out=$(realpath -m "${1:?usage: make_sio_capture.sh OUT.pcap [CONNECTIONS] [MESSAGES_PER_CONNECTION]}")
conns=${2:-100}
msgs=${3:-500}
port=${PORT:-18775}
cd "$(dirname "$0")/.."

# shellcheck source=benches/capture_lib.sh
source benches/capture_lib.sh
if listening; then echo "port $port is taken; set PORT" >&2; exit 1; fi

cargo build --release --no-default-features -q
target/release/osiscope serve --listen "127.0.0.1:$port" >/tmp/make_sio_capture.server 2>&1 &
server=$!
wait_listening $server || { echo "osiscope serve did not listen on $port: $(head -c 300 /tmp/make_sio_capture.server)" >&2; exit 1; }

# Start capturing only now, so the readiness probes above are not in the file.
tcpdump -i lo -s 0 -B 65536 -w "$out" "tcp port $port" 2>/tmp/make_sio_capture.tcpdump &
dump=$!
for _ in $(seq 100); do grep -q listening /tmp/make_sio_capture.tcpdump && break; sleep 0.1; done
"$python" benches/sio_load.py "127.0.0.1:$port" "$conns" "${CONCURRENCY:-20}" "$msgs"
sleep 1
kill -INT $dump; wait $dump || true
kill $server; wait $server 2>/dev/null || true
trap - EXIT
cat /tmp/make_sio_capture.tcpdump >&2
if grep -q ' [1-9][0-9]* packets dropped by kernel' /tmp/make_sio_capture.tcpdump; then
  echo "warning: tcpdump dropped packets; the capture has gaps" >&2
fi
