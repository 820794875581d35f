# Shared by the capture scripts in benches/ (sourced, not run): the Python that has `websockets`,
# waiting for a server's port, and stopping the server and tcpdump (`$server`, `$dump`) on exit.
# Needs `$port` set.

server=
dump=
trap 'kill $server $dump 2>/dev/null || true' EXIT

# A python3 that has `websockets` (a pyenv shim may shadow the system one that has it).
python=
for p in "${PYTHON:-python3}" /usr/bin/python3; do
  if "$p" -c 'import websockets' 2>/dev/null; then python=$p; break; fi
done
[ -n "$python" ] || { echo "no python3 with websockets: apt-get install python3-websockets" >&2; exit 1; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
wait_listening() { # PID: waits until the port answers; fails if PID exits first or after 10 s
  for _ in $(seq 100); do
    listening && return 0
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
