#!/usr/bin/env bash
# Remake the bundled captures in captures/ with `osiscope record` (needs CAP_NET_RAW: run as
# root or after `sudo setcap cap_net_raw,cap_net_admin=eip target/debug/osiscope`), then their
# tshark references (captures/NAME.tshark.tsv) with .ci/reference.sh; the Socket.IO scenarios
# also get their Engine.IO/Socket.IO reference (captures/NAME.sio.jsonl) from npm
# engine.io-parser 5 and socket.io-parser 4 (installed in $SIO_SCRATCH/parsers, default
# /tmp/osiscope-sio, never in the repository), as captures/make_sio_captures.sh makes it.
# Usage: .ci/make-captures.sh [SCENARIO...]   (default: all twenty; wss then needs captures/make_tls_captures.sh --references-only for its .tls.json)
set -euo pipefail
cd "$(dirname "$0")/.."
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(handshake chat binary fragmented ping large close-codes refused rejected push broadcast duplex server-ping server-close socketio socketio-ws socketio-broadcast socketio-plain-ws wss deflate)
cargo build --no-default-features --quiet
for s in "${scenarios[@]}"; do
  ./target/debug/osiscope record --scenario "$s" --listen 127.0.0.1:8765 --output "captures/$s.pcapng" >/dev/null
done
tmp=$(mktemp -d)
bash .ci/reference.sh captures "$tmp"
for s in "${scenarios[@]}"; do mv "$tmp/$s.tsv" "captures/$s.tshark.tsv"; done
rm -rf "$tmp"
parsers=${SIO_SCRATCH:-/tmp/osiscope-sio}/parsers
for s in "${scenarios[@]}"; do
  case $s in
    socketio*)
      [ -d "$parsers/node_modules/socket.io-parser" ] || (mkdir -p "$parsers" && cd "$parsers" &&
        npm init -y >/dev/null && npm install engine.io-parser@5 socket.io-parser@4 >/dev/null)
      captures/sio_reference.sh "captures/$s.pcapng" "$parsers/node_modules" > "captures/$s.sio.jsonl" ;;
  esac
done
