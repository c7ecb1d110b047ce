#!/usr/bin/env bash
# Server concurrency, memory per stream and single-stream throughput: postsse (JDK 25 virtual
# threads, else the default java) against an Express server of the seed's shape over HTTP/1.1, and
# against Node's built-in http2 module over HTTP/2 (h2c), under the same load, on loopback; then
# one node holding many more streams over HTTP/2; then where postsse's bytes go at load.
# Usage: bench/server-load.sh [streams] [seconds-per-stream] [http2-streams] [one-node-http2-streams]
#   [one-node-seconds-per-stream]
# Prints Markdown tables. Needs Node.js and npm for the Node side.
# A process may hold at most `ulimit -Hn` sockets, so over HTTP/1.1 the load comes from two client
# processes, and the server can hold at most that many streams (19,000 by default, under a limit
# of 20,000). Over HTTP/2, 100 streams share each connection: 25,000 by default, on 250
# connections, then 100,000 on 1,000.
set -euo pipefail
cd "$(dirname "$0")/.."
streams="${1:-19000}"
events="${2:-45}"
h2streams="${3:-25000}"
bigstreams="${4:-100000}"
# Opening 100,000 streams takes up to a minute: each must outlast that, and the steady window.
bigevents="${5:-100}"
ulimit -n "$(ulimit -Hn)"

java=java
[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
mvn -B -q -Pbench -pl bench/server-load -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile="$PWD/bench/server-load/target/classpath" >/dev/null
cp="bench/server-load/target/classes:$(cat bench/server-load/target/classpath)"
(cd bench/express && npm install --silent --no-audit --no-fund >/dev/null)

# The postsse server's JVM, for many idle streams: the serial collector (which the JVM picks by
# itself on one core or under 1,792 MiB) with a young generation of 32 MiB and little free heap kept
# (-XX:MinHeapFreeRatio/MaxHeapFreeRatio): held streams make a large, quiet old generation, and the
# garbage of their events is short-lived. One row runs on the JVM's own choice on this machine (G1,
# its heap sized by its defaults), one on G1 told to keep little free heap.
logs=(-Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
lean_jvm=(-XX:+UseSerialGC -Xms64m -Xmn32m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 "${logs[@]}")
g1_lean_jvm=(-XX:+ExplicitGCInvokesConcurrent -XX:GCTimeRatio=4 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 "${logs[@]}")
default_jvm=(-XX:+ExplicitGCInvokesConcurrent "${logs[@]}")
postsse() { echo "$java" "$@" -cp "$cp" io.postsse.bench.LoadServer; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# stats PORT QUERY : the server's /stats, over HTTP/1.1, else h2c (Node's http2 server speaks no HTTP/1.1)
stats() { curl -sf "http://127.0.0.1:$1/stats$2" || curl -sf --http2-prior-knowledge "http://127.0.0.1:$1/stats$2"; }

# start TAG PORT COMMAND... : starts a server and its RSS sampler; sets pid, sampler, idle_rss, idle_heap
start() {
  local tag=$1 port=$2; shift 2
  rm -f "/tmp/bench-$tag.log" # a last run's "ready" is not this one's
  "$@" >"/tmp/bench-$tag.log" 2>&1 &
  pid=$!
  for _ in $(seq 600); do grep -q "ready" "/tmp/bench-$tag.log" && break; sleep 0.1; done
  stats "$port" "" >/dev/null
  idle_rss=$(rss_kb $pid)
  idle_heap=$(stats "$port" "?full=true" | sed 's/.*"heapBytes":\([0-9]*\).*/\1/')
  ( while kill -0 $pid 2>/dev/null; do rss_kb $pid; sleep 0.5; done ) >"/tmp/bench-$tag.rss" &
  sampler=$!
}

# stop TAG : stops the server and its sampler; sets peak (KiB)
stop() {
  kill $sampler 2>/dev/null || true
  peak=$(sort -n "/tmp/bench-$1.rss" | tail -1)
  kill $pid; wait $pid 2>/dev/null || true
}

# run_h1 NAME PORT PATH SINGLE COMMAND... : loads a server over HTTP/1.1 from two client processes,
# after a single stream when SINGLE is yes; prints NAME|idle RSS|peak RSS|idle heap|load|single
run_h1() {
  local name=$1 port=$2 path=$3 single_too=$4; shift 4
  local tag="h1-${name//[^a-z0-9]/-}"
  start "$tag" "$port" "$@"
  local single="{}"
  if [ "$single_too" = yes ]; then
    # Single stream first, on a fresh server: one warm-up run, then the measured one.
    "$java" -cp "$cp" io.postsse.bench.LoadClient 127.0.0.1 "$port" 1 100000 0 32 60 >/dev/null
    single=$("$java" -cp "$cp" io.postsse.bench.LoadClient 127.0.0.1 "$port" 1 300000 0 32 60)
  fi
  local half=$((streams / 2))
  "$java" -Dpath="$path" -cp "$cp" io.postsse.bench.LoadClient 127.0.0.1 "$port" "$half" "$events" 1000 16 \
    $((events + 90)) "/tmp/bench-$tag.h1" >"/tmp/bench-$tag.l1" &
  local first_client=$!
  "$java" -Dpath="$path" -DnoStats=true -cp "$cp" io.postsse.bench.LoadClient 127.0.0.1 "$port" $((streams - half)) \
    "$events" 1000 16 $((events + 90)) "/tmp/bench-$tag.h2" >"/tmp/bench-$tag.l2"
  wait $first_client
  local load; load="$(cat "/tmp/bench-$tag.l1") $(cat "/tmp/bench-$tag.l2") $("$java" -cp "$cp" io.postsse.bench.LoadReport "/tmp/bench-$tag.h1" "/tmp/bench-$tag.h2")"
  stop "$tag"
  echo "$name|$idle_rss|$peak|$idle_heap|$load|$single"
}

# run_h2 NAME PORT PATH STREAMS EVENTS COMMAND... : loads a server over h2c, 100 streams a
# connection, each sending EVENTS, one a second; prints NAME|idle RSS|peak RSS|idle heap|load|CPU,
# CPU being the server's CPU time (user + system, from /proc) per event in µs over the client's
# steady window: from 2 s after every stream opened, for 20 s (see H2LoadClient).
run_h2() {
  local name=$1 port=$2 path=$3 count=$4 n=$5; shift 5
  local tag="h2-${name//[^a-z0-9]/-}-$count"
  start "$tag" "$port" "$@"
  rm -f "/tmp/bench-$tag.window"
  "$java" -Dpath="$path" -Dsteady=20 -Dwindow="/tmp/bench-$tag.window" -cp "$cp" io.postsse.bench.H2LoadClient \
    127.0.0.1 "$port" $(( (count + 99) / 100 )) "$count" "$n" 1000 16 $((n + 180)) >"/tmp/bench-$tag.load" &
  local client=$! from="" until="" cpu=NaN
  while kill -0 $client 2>/dev/null; do
    if [ -z "$from" ] && grep -q from "/tmp/bench-$tag.window" 2>/dev/null; then from=$(cpu_ticks $pid); fi
    if [ -z "$until" ] && grep -q until "/tmp/bench-$tag.window" 2>/dev/null; then until=$(cpu_ticks $pid); fi
    sleep 0.05
  done
  wait $client || true
  if [ -n "$from" ] && [ -n "$until" ]; then
    # ticks of 10 ms; 20 s of events, one a second from every stream
    cpu=$(echo "scale=1; ($until - $from) * 10000 / (20 * $count)" | bc)
  fi
  local load; load=$(cat "/tmp/bench-$tag.load")
  stop "$tag"
  echo "$name|$idle_rss|$peak|$idle_heap|$load|$cpu"
}

# breakdown MODE STREAMS : postsse (a producer thread per stream) under load, with native memory
# tracking; once all streams are open, its class histogram and native memory summary against idle.
breakdown() {
  local mode=$1 count=$2 port=7099 tag="breakdown-$1"
  rm -f "/tmp/bench-$tag"*
  "$java" -XX:NativeMemoryTracking=summary "${lean_jvm[@]}" -cp "$cp" io.postsse.bench.LoadServer $port \
    >"/tmp/bench-$tag.log" 2>&1 &
  local server=$!
  for _ in $(seq 600); do grep -q "ready" "/tmp/bench-$tag.log" && break; sleep 0.1; done
  curl -s "http://127.0.0.1:$port/stats" >/dev/null
  curl -s "http://127.0.0.1:$port/stats?breakdown=/tmp/bench-$tag-idle" >/dev/null
  local idle; idle=$(rss_kb $server)
  if [ "$mode" = http2 ]; then
    "$java" -Dbreakdown="/tmp/bench-$tag-load" -cp "$cp" io.postsse.bench.H2LoadClient 127.0.0.1 $port \
      $(( (count + 99) / 100 )) "$count" 60 1000 16 150 >/dev/null &
  else
    "$java" -Dbreakdown="/tmp/bench-$tag-load" -cp "$cp" io.postsse.bench.LoadClient 127.0.0.1 $port \
      $((count / 2)) 60 1000 16 150 >/dev/null &
    "$java" -DnoStats=true -cp "$cp" io.postsse.bench.LoadClient 127.0.0.1 $port $((count - count / 2)) 60 1000 16 150 \
      >/dev/null &
  fi
  for _ in $(seq 600); do [ -s "/tmp/bench-$tag-load.nmt" ] && break; sleep 0.25; done
  local loaded; loaded=$(rss_kb $server)
  kill $server; wait $server 2>/dev/null || true
  wait || true # the clients, which fail once the server is gone
  "$java" -cp "$cp" io.postsse.bench.MemoryBreakdown "/tmp/bench-$tag-idle.histogram" "/tmp/bench-$tag-load.histogram" \
    "/tmp/bench-$tag-idle.nmt" "/tmp/bench-$tag-load.nmt" "$count" "$idle" "$loaded"
}

lean="postsse, a producer thread per stream"
timer="postsse, events from a shared timer"
g1="postsse, a producer thread per stream, the JVM's own choice (G1, default heap sizing)"
g1lean="postsse, a producer thread per stream, G1 keeping little free heap"
h1results=()
h1results+=("$(run_h1 "$lean" 7090 /stream yes $(postsse "${lean_jvm[@]}") 7090)")
h1results+=("$(run_h1 "$timer" 7090 /stream-timer no $(postsse "${lean_jvm[@]}") 7090)")
h1results+=("$(run_h1 "$g1" 7090 /stream no $(postsse "${default_jvm[@]}") 7090)")
h1results+=("$(run_h1 express 7091 /stream yes node --expose-gc bench/express/server.js 7091)")
h2results=()
h2results+=("$(run_h2 "$lean" 7092 /stream "$h2streams" "$events" $(postsse "${lean_jvm[@]}") 7092)")
h2results+=("$(run_h2 "$timer" 7092 /stream-timer "$h2streams" "$events" $(postsse "${lean_jvm[@]}") 7092)")
h2results+=("$(run_h2 "postsse, resumable, a producer thread per stream" 7092 /resumable "$h2streams" "$events" $(postsse "${lean_jvm[@]}") 7092)")
h2results+=("$(run_h2 "$g1" 7092 /stream "$h2streams" "$events" $(postsse "${default_jvm[@]}") 7092)")
h2results+=("$(run_h2 "$g1lean" 7092 /stream "$h2streams" "$events" $(postsse "${g1_lean_jvm[@]}") 7092)")
h2results+=("$(run_h2 "node http2" 7093 /stream "$h2streams" "$events" node --expose-gc bench/node-http2/server.js 7093)")
bigresults=()
bigresults+=("$(run_h2 "$timer" 7094 /stream-timer "$bigstreams" "$bigevents" $(postsse "${lean_jvm[@]}") 7094)")
bigresults+=("$(run_h2 "$lean" 7094 /stream "$bigstreams" "$bigevents" $(postsse "${lean_jvm[@]}") 7094)")
bigresults+=("$(run_h2 "node http2" 7095 /stream "$bigstreams" "$bigevents" node --expose-gc bench/node-http2/server.js 7095)")

field() { echo "$1" | sed "s/.*\"$2\":\([-0-9.NaN]*\).*/\1/"; }
# sum FIELD JSON...: the field added up over the client processes' lines
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
header() {
  echo "| server | streams held | failed | events/s | delay p50 ms | delay p99 ms | heap/stream | RSS/stream | peak RSS |"
  echo "|---|---|---|---|---|---|---|---|---|"
}
echo "### Concurrency over HTTP/1.1: $streams streams, each 1 event/s for $events s (16-byte events, heartbeat 15 s for postsse)"
echo
header
for r in "${h1results[@]}"; do
  IFS='|' read -r name idle_rss peak idle_heap load single <<<"$r"
  concurrency_row "$name" "$streams" "$idle_rss" "$peak" "$idle_heap" "$load"
done
echo
# h2_row NAME STREAMS IDLE_RSS_KB PEAK_RSS_KB IDLE_HEAP_BYTES LOAD CPU
h2_row() {
  local heap settled; heap=$(first serverHeapBytes "$6")
  settled="did not settle"
  if [ "$(field "$6" settledAfterSeconds)" != "-1.0" ]; then
    settled="$(field "$6" settledDelayP50Ms) / $(field "$6" settledDelayP99Ms) (from $(field "$6" settledAfterSeconds) s)"
  fi
  printf "| %s | %s | %s | %s s | %s | %s | %s | %s | %s KiB | %s KiB | %s MiB | %s |\n" "$1" "$(field "$6" mostOpen)" \
    "$(field "$6" failed)" "$(field "$6" openSeconds)" "$(field "$6" steadyDelayP50Ms)" "$(field "$6" steadyDelayP99Ms)" \
    "$(field "$6" delayP99Ms)" "$7" "$(( (heap - $5) / $2 / 1024 ))" "$(( ($4 - $3) / $2 ))" "$(( $4 / 1024 ))" "$settled"
}
# h2_table STREAMS RESULT... : the header, then a row for each server's result of run_h2
h2_table() {
  local count=$1; shift
  echo "| server | most streams open at once | failed | time to open them all | delay p50 ms, steady | delay p99 ms, steady | delay p99 ms, all events | server CPU µs/event, steady | heap/stream | RSS/stream | peak RSS | delay p50 / p99 ms, settled (its start after the last stream opened) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  for r in "$@"; do
    IFS='|' read -r name idle_rss peak idle_heap load cpu <<<"$r"
    h2_row "$name" "$count" "$idle_rss" "$peak" "$idle_heap" "$load" "$cpu"
  done
}
echo "### Concurrency over HTTP/2: $h2streams streams on $(( (h2streams + 99) / 100 )) h2c connections, each 1 event/s for $events s (16-byte events, heartbeat 15 s for postsse)"
echo
echo "Steady: the 20 s from 2 s after the last stream opened. Settled: the 10 s from the first whole second of"
echo "the steady window that received what the streams send in a second (±5%): the opening's backlog, if"
echo "any, drained, though a queue that stands passes that test too. The client asks for the heap after both."
echo
h2_table "$h2streams" "${h2results[@]}"
echo
echo "### Resumable streams: what one costs while live, and once ended (HTTP/2, $h2streams streams, from the table above)"
echo
echo "| stream | heap/stream while live | RSS/stream while live | heap per stream once all ended (a resumable one: its log of $events events, kept for \`retention\`) |"
echo "|---|---|---|---|"
for r in "${h2results[@]:0:1}" "${h2results[@]:2:1}"; do
  IFS='|' read -r name idle_rss peak idle_heap load cpu <<<"$r"
  printf "| %s | %s KiB | %s KiB | %s bytes |\n" "$name" "$(( ($(first serverHeapBytes "$load") - idle_heap) / h2streams / 1024 ))" \
    "$(( (peak - idle_rss) / h2streams ))" "$(( ($(first serverHeapAfterBytes "$load") - idle_heap) / h2streams ))"
done
echo
echo "### One node, $bigstreams streams over HTTP/2 on $(( (bigstreams + 99) / 100 )) h2c connections, each 1 event/s for $bigevents s (16-byte events, heartbeat 15 s for postsse)"
echo
h2_table "$bigstreams" "${bigresults[@]}"
echo
echo "### Single stream: 300,000 events of 32 bytes, as fast as the server sends them"
echo
echo "| server | events/s | MB/s |"
echo "|---|---|---|"
for r in "${h1results[@]}"; do
  IFS='|' read -r name idle_rss peak idle_heap load single <<<"$r"
  [ "$single" = "{}" ] && continue
  printf "| %s | %s | %s |\n" "${name%%,*}" "$(field "$single" eventsPerSecond)" "$(field "$single" megabytesPerSecond)"
done
echo
echo "java: $("$java" -version 2>&1 | head -1); node: $(node --version); $(date -u +%Y-%m-%d)"
echo
echo "### Where postsse's bytes go: HTTP/2, $h2streams streams, a producer thread per stream, once all are open"
echo
breakdown http2 "$h2streams"
echo
echo "### Where postsse's bytes go: HTTP/1.1, $streams streams, a producer thread per stream, once all are open"
echo
breakdown http1 "$streams"
