#!/usr/bin/env bash
# Server concurrency and single-stream throughput: postsse (JDK 25 virtual threads, else the
# default java) against an Express server of the seed's shape, under the same load, on loopback;
# then concurrency over HTTP/2 (h2c), postsse against Node's built-in http2 module.
# Usage: bench/server-load.sh [streams] [seconds-per-stream] [http2-streams]
# Prints three Markdown tables. Needs Node.js and npm for the Node side.
# A process may hold at most `ulimit -Hn` sockets, so over HTTP/1.1 the load comes from two client
# processes, and the server can hold at most that many streams (19,000 by default, under a limit
# of 20,000). Over HTTP/2, 100 streams share each connection: 25,000 by default, on 250 connections.
set -euo pipefail
cd "$(dirname "$0")/.."
streams="${1:-19000}"
events="${2:-30}"
h2streams="${3:-25000}"
h2connections=$(( (h2streams + 99) / 100 ))
ulimit -n "$(ulimit -Hn)"

java=java
[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
mvn -B -q -Pbench -pl bench/server-load -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile="$PWD/bench/server-load/target/classpath" >/dev/null
cp="bench/server-load/target/classes:$(cat bench/server-load/target/classpath)"
(cd bench/express && npm install --silent --no-audit --no-fund >/dev/null)

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# run NAME PORT COMMAND... : starts the server, loads it, prints a JSON line prefixed by NAME
run() {
  local name=$1 port=$2; shift 2
  "$@" >"/tmp/bench-$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do grep -q "ready" "/tmp/bench-$name.log" && break; sleep 0.1; done
  curl -s "http://127.0.0.1:$port/stats" >/dev/null
  local idle_rss; idle_rss=$(rss_kb $pid)
  local idle_heap; idle_heap=$(curl -s "http://127.0.0.1:$port/stats" | sed 's/.*"heapBytes":\([0-9]*\).*/\1/')
  local peak=0
  ( while kill -0 $pid 2>/dev/null; do rss_kb $pid; sleep 0.5; done ) >"/tmp/bench-$name.rss" &
  local sampler=$!
  # Single stream first, on a fresh server: one warm-up run, then the measured one.
  "$java" -cp "$cp" io.postsse.bench.LoadClient 127.0.0.1 "$port" 1 100000 0 32 60 >/dev/null
  local single; single=$("$java" -cp "$cp" io.postsse.bench.LoadClient 127.0.0.1 "$port" 1 300000 0 32 60)
  local half=$((streams / 2))
  "$java" -cp "$cp" io.postsse.bench.LoadClient 127.0.0.1 "$port" "$half" "$events" 1000 16 $((events + 90)) \
    "/tmp/bench-$name.h1" >"/tmp/bench-$name.l1" &
  local first_client=$!
  "$java" -DnoStats=true -cp "$cp" io.postsse.bench.LoadClient 127.0.0.1 "$port" $((streams - half)) "$events" 1000 16 \
    $((events + 90)) "/tmp/bench-$name.h2" >"/tmp/bench-$name.l2"
  wait $first_client
  local load; load="$(cat "/tmp/bench-$name.l1") $(cat "/tmp/bench-$name.l2") $("$java" -cp "$cp" io.postsse.bench.LoadReport "/tmp/bench-$name.h1" "/tmp/bench-$name.h2")"
  kill $sampler 2>/dev/null || true
  peak=$(sort -n "/tmp/bench-$name.rss" | tail -1)
  kill $pid; wait $pid 2>/dev/null || true
  echo "$name|$idle_rss|$peak|$idle_heap|$load|$single"
}

# run_h2 NAME PORT COMMAND... : starts the server, loads it over h2c, prints a JSON line prefixed by NAME
run_h2() {
  local name=$1 port=$2; shift 2
  local tag="h2-${name// /-}"
  "$@" >"/tmp/bench-$tag.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do grep -q "ready" "/tmp/bench-$tag.log" && break; sleep 0.1; done
  curl -s --http2-prior-knowledge "http://127.0.0.1:$port/stats" >/dev/null
  local idle_rss; idle_rss=$(rss_kb $pid)
  local idle_heap; idle_heap=$(curl -s --http2-prior-knowledge "http://127.0.0.1:$port/stats" | sed 's/.*"heapBytes":\([0-9]*\).*/\1/')
  ( while kill -0 $pid 2>/dev/null; do rss_kb $pid; sleep 0.5; done ) >"/tmp/bench-$tag.rss" &
  local sampler=$!
  local load; load=$("$java" -cp "$cp" io.postsse.bench.H2LoadClient 127.0.0.1 "$port" "$h2connections" "$h2streams" \
    "$events" 1000 16 $((events + 90)))
  kill $sampler 2>/dev/null || true
  local peak; peak=$(sort -n "/tmp/bench-$tag.rss" | tail -1)
  kill $pid; wait $pid 2>/dev/null || true
  echo "$name|$idle_rss|$peak|$idle_heap|$load"
}

results=()
results+=("$(run postsse 7090 "$java" -XX:+ExplicitGCInvokesConcurrent -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.postsse.bench.LoadServer 7090)")
results+=("$(run express 7091 node --expose-gc bench/express/server.js 7091)")
h2results=()
h2results+=("$(run_h2 postsse 7092 "$java" -XX:+ExplicitGCInvokesConcurrent -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.postsse.bench.LoadServer 7092)")
h2results+=("$(run_h2 "node http2" 7093 node --expose-gc bench/node-http2/server.js 7093)")

field() { echo "$1" | sed "s/.*\"$2\":\([-0-9.NaN]*\).*/\1/"; }
# sum FIELD JSON...: the field added up over the two client processes' lines
sum() { echo "$2" | grep -o "\"$1\":[0-9.]*" | cut -d: -f2 | paste -sd+ | bc; }
first() { echo "$2" | grep -o "\"$1\":[-0-9.]*" | head -1 | cut -d: -f2; }
# concurrency_row NAME STREAMS IDLE_RSS_KB PEAK_RSS_KB IDLE_HEAP_BYTES LOAD: one server's table row; the
# load lines of all its client processes are added up (the server's heap is in the first).
concurrency_row() {
  local heap; heap=$(first serverHeapBytes "$6")
  printf "| %s | %s | %s | %s | %s | %s | %s KiB | %s KiB | %s MiB |\n" "$1" "$(sum completed "$6")" \
    "$(sum failed "$6")" "$(sum eventsPerSecond "$6")" "$(field "$6" delayP50Ms)" "$(field "$6" delayP99Ms)" \
    "$(( (heap - $5) / $2 / 1024 ))" "$(( ($4 - $3) / $2 ))" "$(( $4 / 1024 ))"
}
echo "### Concurrency: $streams streams, each 1 event/s for $events s (16-byte events, heartbeat 15 s for postsse)"
echo
echo "| server | streams held | failed | events/s | delay p50 ms | delay p99 ms | heap/stream | RSS/stream | peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in "${results[@]}"; do
  IFS='|' read -r name idle_rss peak idle_heap load single <<<"$r"
  concurrency_row "$name" "$streams" "$idle_rss" "$peak" "$idle_heap" "$load"
done
echo
echo "### Concurrency over HTTP/2: $h2streams streams on $h2connections h2c connections, each 1 event/s for $events s (16-byte events, heartbeat 15 s for postsse)"
echo
echo "| server | streams held | failed | events/s | delay p50 ms | delay p99 ms | heap/stream | RSS/stream | peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in "${h2results[@]}"; do
  IFS='|' read -r name idle_rss peak idle_heap load <<<"$r"
  concurrency_row "$name" "$h2streams" "$idle_rss" "$peak" "$idle_heap" "$load"
done
echo
echo "### Single stream: 300,000 events of 32 bytes, as fast as the server sends them"
echo
echo "| server | events/s | MB/s |"
echo "|---|---|---|"
for r in "${results[@]}"; do
  IFS='|' read -r name idle_rss peak idle_heap load single <<<"$r"
  printf "| %s | %s | %s |\n" "$name" "$(field "$single" eventsPerSecond)" "$(field "$single" megabytesPerSecond)"
done
echo
echo "java: $("$java" -version 2>&1 | head -1); node: $(node --version); $(date -u +%Y-%m-%d)"
