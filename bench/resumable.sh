#!/usr/bin/env bash
# Resumable streams beside plain ones, in one run: resume latency, single-stream throughput,
# stop -> cancel latency and the memory an ended stream's log holds. Prints Markdown tables.
# Usage: bench/resumable.sh [rounds] [resume|throughput|stop|memory]   (JDK 25 when present, else the default java)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-500}"
java=java
[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
mvn -B -q -Pbench -pl bench/resumable -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile="$PWD/bench/resumable/target/classpath" >&2
"$java" -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "bench/resumable/target/classes:$(cat bench/resumable/target/classpath)" \
  io.postsse.bench.resumable.ResumableBenchmark "$rounds" "${2:-}"
