#!/usr/bin/env bash
# Makes captures/sio_*.pcapng with real third-party Socket.IO peers on loopback, their tshark
# references (sio_*.tshark.tsv) and their Engine.IO/Socket.IO references (sio_*.sio.jsonl) made
# by npm engine.io-parser and socket.io-parser over the payloads tshark extracts (tshark has no
# Engine.IO dissector). Needs root, tcpdump, editcap, tshark, node and npm, python3 (venv);
# the npm and pip packages are installed in $SIO_SCRATCH (default /tmp/osiscope-sio), never in
# the repository. Usage (from the repository root): captures/make_sio_captures.sh [CASE...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scratch=${SIO_SCRATCH:-/tmp/osiscope-sio}
all="node4_polling_upgrade node4_websocket node4_reconnect python_polling_upgrade node2_polling_upgrade"
cases=${*:-$all}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

setup() {
  mkdir -p "$scratch/node4" "$scratch/node2"
  [ -d "$scratch/node4/node_modules/socket.io" ] || (cd "$scratch/node4" && npm init -y >/dev/null &&
    npm install socket.io@4.8 socket.io-client@4.8 engine.io-parser@5 socket.io-parser@4 >/dev/null)
  [ -d "$scratch/node2/node_modules/socket.io" ] || (cd "$scratch/node2" && npm init -y >/dev/null &&
    npm install socket.io@2 socket.io-client@2 >/dev/null)
  [ -x "$scratch/venv/bin/python" ] || { python3 -m venv "$scratch/venv" &&
    "$scratch/venv/bin/pip" install -q python-socketio aiohttp requests websocket-client; }
}

start_tcpdump() { # PORT OUT
  tcpdump -i lo -n -U --immediate-mode -B 16384 --time-stamp-precision=nano -w "$2" "tcp port $1" 2>"$2.err" &
  tcpdump_pid=$!
  for _ in $(seq 100); do grep -qs "listening on" "$2.err" && return 0; sleep 0.05; done
  echo "tcpdump did not start: $(cat "$2.err")" >&2; return 1
}
stop_tcpdump() { sleep 1; kill -INT "$tcpdump_pid"; wait "$tcpdump_pid" || true; }

setup
for c in $cases; do
  port=$((18100 + $(echo $all | tr ' ' '\n' | grep -nx "$c" | cut -d: -f1)))
  start_tcpdump "$port" "$work/$c.pcap"
  case $c in
    node4_*) NODE_PATH="$scratch/node4/node_modules" node "$here/sio_peers.js" "${c#node4_}" "$port" ;;
    node2_*) NODE_PATH="$scratch/node2/node_modules" node "$here/sio_peers.js" "${c#node2_}" "$port" ;;
    python_*) "$scratch/venv/bin/python" "$here/sio_python_peers.py" "$port" >/dev/null ;;
  esac
  stop_tcpdump
  editcap -F pcapng "$work/$c.pcap" "$here/sio_$c.pcapng"
  case $c in node2_*) mods="$scratch/node2/node_modules" ;; *) mods="$scratch/node4/node_modules" ;; esac
  "$here/sio_reference.sh" "$here/sio_$c.pcapng" "$mods" > "$here/sio_$c.sio.jsonl"
  echo "made captures/sio_$c.pcapng ($(wc -l < "$here/sio_$c.sio.jsonl") reference records)" >&2
done
# tshark references of the lower layers: the exact command is .ci/reference.sh.
mkdir -p "$work/caps" "$work/ref"
for c in $cases; do cp "$here/sio_$c.pcapng" "$work/caps/"; done
"$here/../.ci/reference.sh" "$work/caps" "$work/ref"
for c in $cases; do
  mv "$work/ref/sio_$c.tsv" "$here/sio_$c.tshark.tsv"
  rm -f "$here/sio_$c.tshark-stderr"
  [ -f "$work/ref/sio_$c.tshark-stderr" ] && mv "$work/ref/sio_$c.tshark-stderr" "$here/sio_$c.tshark-stderr"
done
