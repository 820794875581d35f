#!/usr/bin/env bash
# Decode speed and memory: osiscope against tshark, cat and the reading floor (benches/read_floor.rs)
# on the same big capture, in one run.
# Usage: benches/decode_bench.sh BIG.pcap   (make one with benches/make_big_capture.sh)
#   RUNS (default 5) sets hyperfine's runs per command.
# Needs: hyperfine, tshark, capinfos (apt-get install hyperfine tshark).
set -euo pipefail
big=$(realpath "${1:?usage: decode_bench.sh BIG.pcap}")
cd "$(dirname "$0")/.."
cargo build --release --no-default-features -q
bin=$PWD/target/release/osiscope
# The reading floor: the same file reader, no decoding (benches/read_floor.rs). The first build
# of a bench takes as long as a release build (dev-dependencies' features differ).
floor=$(cargo bench --no-default-features --bench read_floor --no-run --message-format=json -q |
  python3 -c 'import json, sys; print(next(m["executable"] for m in map(json.loads, sys.stdin)
    if m.get("executable") and m["target"]["name"] == "read_floor"))')
osiscope=("$bin" decode "$big" --format json)
tshark=(tshark -r "$big" -T fields -e frame.number -e tcp.flags -e websocket.opcode -e websocket.payload_length)

echo "file: $big, $(capinfos -M -c "$big" | awk -F': *' '/Number of packets/ {print $2}') packets," \
  "$(stat -c %s "$big") bytes; $(nproc) cores; $(tshark --version | head -1)"
# Wall-clock times on a shared machine mean little without the load they were taken under.
load() { echo "load: $(cut -d' ' -f1-3 /proc/loadavg), CPU pressure $(awk '/some/ {print $2}' /proc/pressure/cpu 2>/dev/null)"; }
load
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-markdown /tmp/decode_bench.md \
  --export-json /tmp/decode_bench.json \
  -n "osiscope decode --format json" "${osiscope[*]} >/dev/null" \
  -n "tshark -T fields" "${tshark[*]} >/dev/null 2>&1" \
  -n "cat" "cat $big >/dev/null" \
  -n "read floor" "$floor $big >/dev/null"
load
cat /tmp/decode_bench.md
echo
# CPU time (user + system) over all the timed runs, not one: on a shared machine a single
# run's CPU time moves as much as its wall time. hyperfine gives the mean of each.
python3 - /tmp/decode_bench.json <<'PY'
import json, sys
cpu = {r["command"]: r["user"] + r["system"] for r in json.load(open(sys.argv[1]))["results"]}
for name, c in cpu.items():
    print(f"CPU {name}: {c:.3f} s (user + system, mean of the runs)")
o, t = cpu["osiscope decode --format json"], cpu["tshark -T fields"]
print(f"CPU ratio tshark / osiscope: {t / o:.1f}x")
# 20x tshark on CPU leaves this much for decoding and writing, once the file is read.
print(f"CPU budget for 20x tshark: {t / 20:.3f} s, of which reading the file (read floor) takes "
      f"{cpu['read floor']:.3f} s ({100 * cpu['read floor'] * 20 / t:.0f} %)")
PY
echo
for name in osiscope tshark; do
  declare -n cmd=$name
  /usr/bin/time -v -o /tmp/decode_bench.time "${cmd[@]}" >/dev/null 2>&1
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' /tmp/decode_bench.time)
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u + s}' /tmp/decode_bench.time)
  echo "peak RSS $((rss / 1024)) MB ($rss kB), CPU ${cpu} s (user + system, one run): ${cmd[*]}"
done
