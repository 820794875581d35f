#!/usr/bin/env bash
# The Engine.IO/Socket.IO reference of one capture: tshark extracts the HTTP bodies and
# WebSocket payloads, npm engine.io-parser and socket.io-parser decode them (sio_reference.js).
# Usage: captures/sio_reference.sh CAPTURE NODE_MODULES_DIR > NAME.sio.jsonl
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# The fields the reference script reads, in its order.
FIELDS="-e frame.number -e tcp.stream -e tcp.srcport -e tcp.dstport -e http.request.method
  -e http.request.uri -e http.response_for.uri -e http.file_data -e websocket.opcode
  -e websocket.payload.text -e data.data"
# shellcheck disable=SC2086
# A field with several values (several WebSocket frames in one packet) joins them with \x1f,
# which cannot be in a value: tshark escapes control characters.
tshark -n -r "$1" -Y 'http || websocket' -T fields -E aggregator=$'\x1f' $FIELDS 2>/dev/null |
  NODE_PATH="$2" node "$here/sio_reference.js"
