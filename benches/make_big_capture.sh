#!/usr/bin/env bash
# Makes the big benchmark capture: real loopback WebSocket echo traffic between an echo server and
# a Python `websockets` load client, captured by tcpdump on `lo` (Ethernet link type). ≥500k
# packets with the defaults. The server is `osiscope serve`; while that is not built (or fails to
# listen), the script falls back to benches/ws_echo_server.py and says so.
# Usage: benches/make_big_capture.sh OUT.pcap [CONNECTIONS] [MESSAGES_PER_CONNECTION]
#   SERVER=python forces the Python echo server; PORT (default 18765) picks the port.
#   DEFLATE=1: permessage-deflate on both sides (the Python server, which accepts it) and
#   word-like texts and binaries; the issue's deflate capture is `DEFLATE=1 … OUT 100 500`.
#   TLS=1: wss:// (the Python server with a self-signed certificate made by openssl for the run).
# Needs: root (tcpdump), tcpdump, python3-websockets (apt-get install tcpdump python3-websockets).
set -euo pipefail
out=$(realpath -m "${1:?usage: make_big_capture.sh OUT.pcap [CONNECTIONS] [MESSAGES_PER_CONNECTION]}")
conns=${2:-2000}
msgs=${3:-130}
port=${PORT:-18765}
cd "$(dirname "$0")/.."

# shellcheck source=benches/capture_lib.sh
source benches/capture_lib.sh

if listening; then echo "port $port is taken; set PORT" >&2; exit 1; fi
mode=
scheme=ws
if [ -n "${DEFLATE:-}" ]; then mode=deflate; SERVER=python; fi
if [ -n "${TLS:-}" ]; then
  mode="tls /tmp/make_big_capture.crt /tmp/make_big_capture.key"; SERVER=python; scheme=wss
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -keyout /tmp/make_big_capture.key -out /tmp/make_big_capture.crt 2>/dev/null
fi
if [ "${SERVER:-osiscope}" = osiscope ]; then
  cargo build --release --no-default-features -q
  target/release/osiscope serve --listen "127.0.0.1:$port" >/tmp/make_big_capture.server 2>&1 &
  server=$!
  if wait_listening $server; then
    echo "echo server: osiscope serve" >&2
  else
    echo "echo server: osiscope serve did not listen ($(head -c 200 /tmp/make_big_capture.server));" \
      "falling back to benches/ws_echo_server.py" >&2
    kill $server 2>/dev/null || true
    server=
  fi
fi
if [ -z "$server" ]; then
  "$python" benches/ws_echo_server.py 127.0.0.1 "$port" $mode &
  server=$!
  wait_listening $server || { echo "the Python echo server did not start" >&2; exit 1; }
  echo "echo server: benches/ws_echo_server.py" >&2
fi

# Start capturing only now, so the readiness probes above are not in the file.
tcpdump -i lo -s 0 -B 65536 -w "$out" "tcp port $port" 2>/tmp/make_big_capture.tcpdump &
dump=$!
for _ in $(seq 100); do grep -q listening /tmp/make_big_capture.tcpdump && break; sleep 0.1; done
"$python" benches/ws_load.py "$scheme://127.0.0.1:$port/" "$conns" 50 "$msgs" 1 ${mode%% *}
sleep 1
kill -INT $dump; wait $dump || true
kill $server; wait $server 2>/dev/null || true
trap - EXIT
cat /tmp/make_big_capture.tcpdump >&2
if grep -q ' [1-9][0-9]* packets dropped by kernel' /tmp/make_big_capture.tcpdump; then
  echo "warning: tcpdump dropped packets; the capture has gaps" >&2
fi
ls -l "$out"
