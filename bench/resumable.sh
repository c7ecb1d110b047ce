#!/usr/bin/env bash
# Resumable streams beside plain ones, in one run: resume latency, single-stream throughput,
# stop -> cancel latency and the memory an ended stream's log holds; then the same with the log on
# Redis against the in-memory log (a redis-server of its own, two servers sharing it): throughput,
# emit -> client latency across servers, stop -> cancel across servers, Redis's memory per stream,
# live streams on one server, and the live-event transport (pub/sub against XREAD BLOCK).
# Prints Markdown tables.
# Usage: bench/resumable.sh [rounds] [mode] [live-streams]   (JDK 25 when present, else the default java)
#   mode: resume | throughput | stop | memory | in-memory (those four) | redis (all the Redis sections) |
#         redis-throughput | redis-latency | redis-stop | redis-memory | redis-concurrency | redis-transport;
#         none: all of them. live-streams: the Redis concurrency section's streams (default 5000).
# The Redis sections need redis-server (Debian's package; or $REDIS_SERVER).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-500}"
# Each live stream holds two sockets in this one process (client and server): raise the soft limit.
ulimit -n "$(ulimit -Hn)"
java=java
[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
mvn -B -q -Pbench -pl bench/resumable -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile="$PWD/bench/resumable/target/classpath" >&2
"$java" -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "bench/resumable/target/classes:$(cat bench/resumable/target/classpath)" \
  io.postsse.bench.resumable.ResumableBenchmark "$rounds" "${2:-}" "${3:-5000}"
