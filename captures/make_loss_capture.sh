#!/usr/bin/env bash
# Makes captures/loss_netem.pcapng: python websockets (Debian 12's 10.4) client and server in two
# network namespaces joined through a third (a router). 10% of the client's segments are lost
# in the router (`tc qdisc … netem loss 10%` on its interface towards the server where the
# kernel has netem (sch_netem), else iptables' statistic match in its FORWARD chain), and 10% of
# the server's are dropped on input at the client (iptables INPUT, `-m statistic --mode random
# --probability 0.1 -j DROP`). tcpdump runs on the client's own interface, as on a laptop: it
# sees the client's segments as they leave and the server's as they arrive, before netfilter
# (AF_PACKET taps first), so every lost segment is in the capture once as sent and again when it
# is retransmitted, and tshark's reassembly has no gap. (The machine that made the bundled file
# had neither sch_netem nor nf_tables, so the router used iptables-legacy too.)
# Then the references: the tshark decode (captures/loss_netem.tshark.tsv, .ci/reference.sh) and
# tshark's loss analysis of this capture and of edge_retransmissions (NAME.loss.tsv).
# Needs root, iproute2 (tc), iptables, tcpdump, editcap, tshark and /usr/bin/python3 with
# websockets.
# Usage (from the repository root): captures/make_loss_capture.sh [references]
#   (with "references", only the .loss.tsv files are made again from the bundled captures).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
peers="$here/edge_peers.py"
port=18100
work=$(mktemp -d)

cleanup() {
  for ns in lossC lossR lossS; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The loss analysis tshark gives each packet (multi-valued fields comma-separated).
LOSS_FIELDS="frame.number frame.time_epoch tcp.stream tcp.srcport tcp.seq tcp.len tcp.analysis.retransmission tcp.analysis.fast_retransmission
  tcp.analysis.spurious_retransmission tcp.analysis.out_of_order tcp.analysis.duplicate_ack
  tcp.analysis.duplicate_ack_num tcp.analysis.duplicate_ack_frame tcp.analysis.rto_frame"
loss_reference() { # NAME
  local args=() f
  for f in $LOSS_FIELDS; do args+=(-e "$f"); done
  tshark -n -r "$here/$1.pcapng" -T fields -E header=y -E separator=/t -E occurrence=a \
    -E aggregator=, "${args[@]}" 2>/dev/null >"$here/$1.loss.tsv"
}

make_capture() {
  ip netns add lossC; ip netns add lossR; ip netns add lossS
  ip link add vC netns lossC type veth peer name rC netns lossR
  ip link add vS netns lossS type veth peer name rS netns lossR
  ip -n lossC addr add 10.78.1.1/24 dev vC; ip -n lossR addr add 10.78.1.2/24 dev rC
  ip -n lossS addr add 10.78.2.1/24 dev vS; ip -n lossR addr add 10.78.2.2/24 dev rS
  local ns dev
  for pair in lossC:vC lossR:rC lossR:rS lossS:vS; do
    ns=${pair%%:*}; dev=${pair#*:}
    # gso_max_segs 1: one TCP segment per packet on the wire, as a real NIC would show it.
    ip -n "$ns" link set "$dev" gso_max_segs 1 up
  done
  for ns in lossC lossR lossS; do ip -n "$ns" link set lo up; done
  ip -n lossC route add default via 10.78.1.2
  ip -n lossS route add default via 10.78.2.2
  ip netns exec lossR sysctl -qw net.ipv4.ip_forward=1
  local ipt=iptables-legacy; command -v "$ipt" >/dev/null || ipt=iptables
  if ! ip netns exec lossR tc qdisc add dev rS root netem loss 10% 2>/dev/null; then
    ip netns exec lossR "$ipt" -A FORWARD -p tcp --dport $port \
      -m statistic --mode random --probability 0.1 -j DROP
  fi
  ip netns exec lossC "$ipt" -A INPUT -p tcp --sport $port \
    -m statistic --mode random --probability 0.1 -j DROP
  ip netns exec lossC tcpdump -i vC -n -U --immediate-mode -B 16384 --time-stamp-precision=nano \
    -w "$work/loss.pcap" "tcp port $port" 2>"$work/tcpdump.err" &
  local dump=$!
  for _ in $(seq 100); do grep -qs "listening on" "$work/tcpdump.err" && break; sleep 0.05; done
  EDGE_SERVER_SECONDS=60 ip netns exec lossS "$py" "$peers" retransmissions $port 10.78.2.1 server &
  local srv=$!
  sleep 0.5
  ip netns exec lossC "$py" "$peers" retransmissions $port 10.78.2.1 client
  sleep 1; kill -INT "$dump"; wait "$dump" || true
  kill "$srv"; wait "$srv" || true
  editcap -F pcapng "$work/loss.pcap" "$here/loss_netem.pcapng"
  mkdir -p "$work/caps" "$work/ref"
  cp "$here/loss_netem.pcapng" "$work/caps/"
  "$here/../.ci/reference.sh" "$work/caps" "$work/ref"
  mv "$work/ref/loss_netem.tsv" "$here/loss_netem.tshark.tsv"
}

if [ "${1:-}" != references ]; then
  make_capture
  echo "made captures/loss_netem.pcapng" >&2
fi
for name in loss_netem edge_retransmissions; do
  loss_reference "$name"
  echo "made captures/$name.loss.tsv" >&2
done
