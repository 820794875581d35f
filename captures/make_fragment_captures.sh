#!/usr/bin/env bash
# Makes captures/frag_*.pcapng (IP fragments from real Linux peers in network namespaces) and their
# tshark references: captures/frag_*.tshark.tsv (.ci/reference.sh, the corpus's columns) and
# captures/frag_*.frag.tsv (the fragment columns below). Needs root, iproute2, tcpdump, editcap,
# tshark, iputils-ping and Debian 12's python3-websockets (10.4), run by /usr/bin/python3.
# Usage (from the repository root): captures/make_fragment_captures.sh [CASE...]   (default: all)
#
#   tcp_ipv4       a WebSocket client in namespace fragA talks to a server in fragB through a
#                  router namespace fragR whose link to fragB has an MTU of 620: fragA sends without
#                  DF (ip_no_pmtu_disc), so fragR fragments its 1500-byte TCP segments; captured on
#                  fragB's interface. Then `ping -M dont -s 3000` and UDP datagrams the same way.
#   tcp_ipv4_vlan  derived: tcp_ipv4's frames with an 802.1Q tag (VLAN 100) put in by
#                  `frag_peers.py vlan-tag` (the kernel this was made on has no VLAN devices)
#   ipv6           fragA and fragB on one veth with an MTU of 1280: `ping -6 -s 3000` and UDP over
#                  IPv6 (the sender fragments: IPv6 routers never do), and the same over IPv4
#   crafted        hand-made UDP fragments (frag_peers.py crafted) to a host in fragB: a duplicate,
#                  an overlap with different bytes, out of order, two last fragments; IPv4 and IPv6
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
peers="$here/frag_peers.py"
all="tcp_ipv4 tcp_ipv4_vlan ipv6 crafted"
cases=${*:-$all}
work=$(mktemp -d)
nss="fragA fragR fragB"
cleanup() { for n in $nss; do ip netns del "$n" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

start_tcpdump() { # NS IFACE FILTER OUT
  ip netns exec "$1" tcpdump -i "$2" -n -U --immediate-mode -B 16384 --time-stamp-precision=nano \
    -w "$4" "$3" 2>"$4.err" &
  tcpdump_pid=$!; out_err=$4.err
  for _ in $(seq 100); do grep -qs "listening on" "$4.err" && return 0; sleep 0.05; done
  echo "tcpdump did not start: $(cat "$4.err")" >&2; return 1
}
stop_tcpdump() { sleep 1; kill -INT "$tcpdump_pid"; wait "$tcpdump_pid" || true; grep -v "^tcpdump: listening\|^$" "$out_err" >&2 || true; }

netns() { # NAME...: fresh namespaces with loopback up, IPv6 off unless asked
  for n in "$@"; do
    ip netns del "$n" 2>/dev/null || true
    ip netns add "$n"; ip -n "$n" link set lo up
  done
}

# fragA (10.78.1.1) -- fragR (10.78.1.2 | 10.78.2.1, MTU 620) -- fragB (10.78.2.2).
routed() {
  netns fragA fragR fragB
  for n in fragA fragR fragB; do ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
  ip link add a0 netns fragA type veth peer name r0 netns fragR
  ip link add b1 netns fragB type veth peer name r1 netns fragR
  ip -n fragA addr add 10.78.1.1/24 dev a0; ip -n fragR addr add 10.78.1.2/24 dev r0
  ip -n fragR addr add 10.78.2.1/24 dev r1; ip -n fragB addr add 10.78.2.2/24 dev b1
  # One TCP segment per packet, as a real NIC shows them.
  ip -n fragA link set a0 gso_max_segs 1 up; ip -n fragR link set r0 up
  ip -n fragR link set r1 mtu 620 up; ip -n fragB link set b1 gso_max_segs 1 up
  ip netns exec fragR sysctl -qw net.ipv4.ip_forward=1
  # fragA sends without DF, so the router fragments instead of answering "fragmentation needed".
  ip netns exec fragA sysctl -qw net.ipv4.ip_no_pmtu_disc=1
  ip -n fragA route add default via 10.78.1.2
  # fragB's own segments fit the small link, but it still offers fragA an MSS of 1460.
  ip -n fragB route add default via 10.78.2.1 mtu lock 600 advmss 1460
}

routed_case() {
  local port=18101
  routed
  start_tcpdump fragB b1 ip "$work/tcp_ipv4.pcap"
  ip netns exec fragB "$py" "$peers" ws-server 10.78.2.2 $port & local srv=$!
  ip netns exec fragB "$py" "$peers" udp-server 10.78.2.2 9999 2 & local udp=$!
  sleep 0.5
  ip netns exec fragA "$py" "$peers" ws-client ws://10.78.2.2:$port/chat
  wait "$srv"
  ip netns exec fragA ping -q -n -M dont -c 1 -s 3000 10.78.2.2 >/dev/null
  ip netns exec fragA "$py" "$peers" udp-client 10.78.2.2 9999 2000 4000
  wait "$udp"
  stop_tcpdump
}

ipv6_case() {
  netns fragA fragB
  ip link add a0 netns fragA type veth peer name b0 netns fragB
  ip -n fragA link set a0 mtu 1280 up; ip -n fragB link set b0 mtu 1280 up
  ip -n fragA addr add fd78::1/64 dev a0 nodad; ip -n fragB addr add fd78::2/64 dev b0 nodad
  ip -n fragA addr add 10.78.3.1/24 dev a0; ip -n fragB addr add 10.78.3.2/24 dev b0
  # Only our traffic: no router solicitations or MLD reports.
  for n in fragA fragB; do
    ip netns exec "$n" sysctl -qw net.ipv6.conf.all.router_solicitations=0 \
      net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.forwarding=0
  done
  start_tcpdump fragB b0 "(ip6 and not icmp6[0] >= 130 and not icmp6[0] <= 137 or ip6[6] = 44) or ip" "$work/ipv6.pcap"
  ip netns exec fragB "$py" "$peers" udp-server fd78::2 9999 2 & local u6=$!
  ip netns exec fragB "$py" "$peers" udp-server 10.78.3.2 9998 1 & local u4=$!
  sleep 0.5
  ip netns exec fragA ping -6 -q -n -c 1 -s 3000 fd78::2 >/dev/null
  ip netns exec fragA ping -4 -q -n -M dont -c 1 -s 3000 10.78.3.2 >/dev/null
  ip netns exec fragA "$py" "$peers" udp-client fd78::2 9999 1500 5000
  ip netns exec fragA "$py" "$peers" udp-client 10.78.3.2 9998 3000
  wait "$u6" "$u4"
  stop_tcpdump
}

crafted_case() {
  netns fragA fragB
  ip link add a0 netns fragA type veth peer name b0 netns fragB
  ip -n fragA link set a0 up; ip -n fragB link set b0 up
  ip -n fragB addr add fd78::2/64 dev b0 nodad; ip -n fragB addr add 10.78.4.2/24 dev b0
  ip netns exec fragB sysctl -qw net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0
  local amac bmac
  amac=$(ip netns exec fragA cat /sys/class/net/a0/address)
  bmac=$(ip netns exec fragB cat /sys/class/net/b0/address)
  # Only the fragments (the host's answers, ICMP time exceeded for unfinished ones, are left out).
  start_tcpdump fragB b0 "(ip and ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] = 44)" "$work/crafted.pcap"
  ip netns exec fragA "$py" "$peers" crafted a0 "$amac" "$bmac" 10.78.4.1 10.78.4.2 fd78::1 fd78::2
  stop_tcpdump
}

for c in $cases; do
  case $c in
    tcp_ipv4) routed_case ;;
    tcp_ipv4_vlan)
      [ -f "$work/tcp_ipv4.pcap" ] || routed_case
      "$py" "$peers" vlan-tag "$work/tcp_ipv4.pcap" "$work/tcp_ipv4_vlan.pcap" 100 ;;
    ipv6) ipv6_case ;;
    crafted) crafted_case ;;
    *) echo "unknown case $c" >&2; exit 2 ;;
  esac
  editcap -F pcapng "$work/$c.pcap" "$here/frag_$c.pcapng"
  echo "made captures/frag_$c.pcapng" >&2
done

# References: .ci/reference.sh (the corpus's columns), and the fragment columns.
mkdir -p "$work/caps" "$work/ref"
for c in $cases; do cp "$here/frag_$c.pcapng" "$work/caps/"; done
"$here/../.ci/reference.sh" "$work/caps" "$work/ref"
F="frame.number ip.fragment ipv6.fragment ip.reassembled_in ipv6.reassembled.in ip.fragment.overlap ip.fragment.overlap.conflict ip.fragment.multipletails ip.fragment.toolongfragment ipv6.fragment.overlap ipv6.fragment.overlap.conflict ipv6.fragment.multipletails ipv6.fragment.toolongfragment ip.fragment.error ipv6.fragment.error udp.srcport udp.length icmp.type icmpv6.type"
args=(); for f in $F; do args+=(-e "$f"); done
for c in $cases; do
  mv "$work/ref/frag_$c.tsv" "$here/frag_$c.tshark.tsv"
  rm -f "$here/frag_$c.tshark-stderr"
  [ -f "$work/ref/frag_$c.tshark-stderr" ] && mv "$work/ref/frag_$c.tshark-stderr" "$here/frag_$c.tshark-stderr"
  tshark -n -r "$here/frag_$c.pcapng" -T fields -E header=y -E separator=/t -E occurrence=a \
    -E aggregator=, "${args[@]}" > "$here/frag_$c.frag.tsv" 2>/dev/null
done
