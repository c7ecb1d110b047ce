#!/usr/bin/env bash
# Client abort -> producer cancelled: latency percentiles on loopback, on JDK 17 and, if present, JDK 25.
# Usage: bench/cancellation-latency.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-300}"
mvn -B -q -pl server -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$PWD/server/target/bench.classpath" -Dmdep.includeScope=test >/dev/null
cp="server/target/test-classes:server/target/classes:$(cat server/target/bench.classpath)"
echo "| JDK | rounds | until | median ms | p90 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|---|---|"
for java in java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java; do
  if command -v "$java" >/dev/null 2>&1; then
    "$java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" \
      io.postsse.server.CancellationLatencyBenchmark "$rounds"
  fi
done
