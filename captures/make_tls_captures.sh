#!/usr/bin/env bash
# Makes the wss:// captures of third-party peers, captures/wss_python_{tls13,tls12,large}.pcapng
# (Python `websockets` 10.4 over Python's ssl/OpenSSL, captures/tls_peers.py), and the references
# of every TLS capture in captures/ (these and wss.pcapng, which `.ci/make-captures.sh wss`
# records with osiscope): NAME.tshark.tsv (.ci/reference.sh) and NAME.tls.json (tshark's TLS
# record fields, .ci/compare_tls.py --make, a copy of shared/corpus/compare_tls.py).
# Needs root, tcpdump, editcap, tshark 4.0, openssl and Debian 12's python3-websockets.
# Usage (from the repository root): captures/make_tls_captures.sh [CASE...]   (default: all)
#        captures/make_tls_captures.sh --references-only   (after `.ci/make-captures.sh wss`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
all="tls13 tls12 large"
cases=${*:-$all}
[ "$cases" = "--references-only" ] && cases=""
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# A throwaway self-signed certificate for "localhost" (P-256), made for this run.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost" 2>/dev/null

for c in $cases; do
  port=$((18440 + $(echo $all | tr ' ' '\n' | grep -nx "$c" | cut -d: -f1)))
  tcpdump -i lo -n -U --immediate-mode -B 16384 --time-stamp-precision=nano \
    -w "$work/$c.pcap" "tcp port $port" 2>"$work/$c.err" &
  pid=$!
  for _ in $(seq 100); do grep -qs "listening on" "$work/$c.err" && break; sleep 0.05; done
  "$py" "$here/tls_peers.py" "$c" "$port" "$work/cert.pem" "$work/key.pem"
  sleep 1; kill -INT "$pid"; wait "$pid" || true
  if [ -n "$(tshark -n -r "$work/$c.pcap" -Y 'tcp.analysis.lost_segment' 2>/dev/null)" ]; then
    echo "wss_python_$c: tcpdump missed packets" >&2; exit 1
  fi
  editcap -F pcapng "$work/$c.pcap" "$here/wss_python_$c.pcapng"
  echo "made captures/wss_python_$c.pcapng" >&2
done

# References for every TLS capture here.
mkdir -p "$work/caps" "$work/ref"
for f in "$here"/wss.pcapng "$here"/wss_python_*.pcapng; do [ -f "$f" ] && cp "$f" "$work/caps/"; done
bash "$here/../.ci/reference.sh" "$work/caps" "$work/ref"
python3 "$here/../.ci/compare_tls.py" --make "$work/caps" "$work/ref"
for f in "$work"/caps/*.pcapng; do
  n=$(basename "$f" .pcapng)
  mv "$work/ref/$n.tsv" "$here/$n.tshark.tsv"
  mv "$work/ref/$n.tls.json" "$here/$n.tls.json"
done
