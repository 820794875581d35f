#!/usr/bin/env bash
# Makes captures/edge_*.pcapng (real peers on loopback, or in two network namespaces for loss)
# and their tshark references captures/edge_*.tshark.tsv. Needs root, tcpdump, editcap, tshark,
# nftables, iproute2 and Debian 12's python3-websockets (10.4), run by /usr/bin/python3.
# Usage (from the repository root): captures/make_edge_captures.sh [CASE...]   (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
peers="$here/edge_peers.py"
all="fragmented len64 multiframe_segment deflate_context_takeover deflate_no_context_takeover
     deflate_fragmented empty_last_continuation ipv6 rst refused_upgrade retransmissions
     rfc_violations"
cases=${*:-$all}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# start_tcpdump PREFIX... -- IFACE PORT OUT: tcpdump in the background, returns when it listens.
start_tcpdump() {
  local pre=() ; while [ "$1" != "--" ]; do pre+=("$1"); shift; done; shift
  local iface=$1 port=$2 out=$3
  "${pre[@]}" tcpdump -i "$iface" -n -U --immediate-mode -B 16384 --time-stamp-precision=nano -w "$out" "tcp port $port" \
    2>"$out.err" &
  tcpdump_pid=$!; out_err=$out.err
  for _ in $(seq 100); do grep -qs "listening on" "$out.err" && return 0; sleep 0.05; done
  echo "tcpdump did not start: $(cat "$out.err")" >&2; return 1
}
stop_tcpdump() { sleep 1; kill -INT "$tcpdump_pid"; wait "$tcpdump_pid" || true; grep -v "^tcpdump: listening\|^$" "$out_err" >&2 || true; }
# tcpdump writes pcap; editcap turns it into pcapng and keeps nanosecond timestamps.
to_pcapng() { editcap -F pcapng "$1" "$here/edge_$2.pcapng"; }

loopback_case() { # NAME PORT HOST
  local name=$1 port=$2 host=$3
  start_tcpdump -- lo "$port" "$work/$name.pcap"
  "$py" "$peers" "$name" "$port" "$host"
  stop_tcpdump
  # On loopback nothing is lost: a gap means tcpdump missed packets, so make it again.
  if [ -n "$(tshark -n -r "$work/$name.pcap" -Y 'tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment' 2>/dev/null)" ]; then
    echo "edge_$name: tcpdump missed packets" >&2; return 1
  fi
  to_pcapng "$work/$name.pcap" "$name"
}

netns_cleanup() {
  ip netns del edgeA 2>/dev/null || true
  ip netns del edgeB 2>/dev/null || true
}

retransmissions_case() {
  # Two namespaces joined by a veth pair; each drops ~7% of the other's data segments on input
  # (after tcpdump in edgeA has seen them: AF_PACKET taps before netfilter), so both directions
  # lose segments that the capture shows, and then shows again when they are retransmitted.
  local port=$1 pct=${EDGE_LOSS_PERCENT:-7}
  trap 'netns_cleanup; rm -rf "$work"' EXIT
  for attempt in 1 2 3 4 5 6; do
    netns_cleanup
    ip netns add edgeA; ip netns add edgeB
    ip link add veA netns edgeA type veth peer name veB netns edgeB
    ip -n edgeA addr add 10.77.0.1/24 dev veA; ip -n edgeB addr add 10.77.0.2/24 dev veB
    # gso_max_segs 1: one TCP segment per packet on the wire, as a real NIC would show it.
    ip -n edgeA link set veA gso_max_segs 1 up; ip -n edgeB link set veB gso_max_segs 1 up
    ip -n edgeA link set lo up; ip -n edgeB link set lo up
    ip netns exec edgeA nft add table inet edge
    ip netns exec edgeA nft add chain inet edge input '{ type filter hook input priority 0; }'
    ip netns exec edgeA nft add rule inet edge input tcp sport $port ip length '>' 100 numgen random mod 100 '<' "$pct" drop
    ip netns exec edgeB nft add table inet edge
    ip netns exec edgeB nft add chain inet edge input '{ type filter hook input priority 0; }'
    ip netns exec edgeB nft add rule inet edge input tcp dport $port ip length '>' 100 numgen random mod 100 '<' "$pct" drop
    start_tcpdump ip netns exec edgeA -- veA "$port" "$work/retransmissions.pcap"
    EDGE_SERVER_SECONDS=60 ip netns exec edgeB "$py" "$peers" retransmissions $port 10.77.0.2 server &
    local srv=$!
    sleep 0.5
    ip netns exec edgeA "$py" "$peers" retransmissions $port 10.77.0.2 client
    stop_tcpdump
    kill "$srv"; wait "$srv" || true
    netns_cleanup
    local r d
    r=$(tshark -n -r "$work/retransmissions.pcap" -Y tcp.analysis.retransmission 2>/dev/null | wc -l)
    d=$(tshark -n -r "$work/retransmissions.pcap" -Y tcp.analysis.duplicate_ack 2>/dev/null | wc -l)
    echo "retransmissions attempt $attempt: $r retransmissions, $d duplicate ACKs" >&2
    if [ "$r" -ge 3 ] && [ "$d" -ge 3 ]; then break; fi
  done
  to_pcapng "$work/retransmissions.pcap" retransmissions
}

for c in $cases; do
  # A fixed port per case: 18001 for the first case of $all, 18002 for the second...
  port=$((18000 + $(echo $all | tr ' ' '\n' | grep -nx "$c" | cut -d: -f1)))
  case $c in
    ipv6) loopback_case "$c" "$port" ::1 ;;
    retransmissions) retransmissions_case "$port" ;;
    *) loopback_case "$c" "$port" 127.0.0.1 ;;
  esac
  echo "made captures/edge_$c.pcapng" >&2
done

# References: the exact tshark command is .ci/reference.sh (a copy of the corpus's).
mkdir -p "$work/caps" "$work/ref"
for c in $cases; do cp "$here/edge_$c.pcapng" "$work/caps/"; done
"$here/../.ci/reference.sh" "$work/caps" "$work/ref"
for c in $cases; do
  mv "$work/ref/edge_$c.tsv" "$here/edge_$c.tshark.tsv"
  rm -f "$here/edge_$c.tshark-stderr"
  [ -f "$work/ref/edge_$c.tshark-stderr" ] && mv "$work/ref/edge_$c.tshark-stderr" "$here/edge_$c.tshark-stderr"
done
