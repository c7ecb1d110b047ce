#!/usr/bin/env bash
# Builds and runs the JMH benchmark of the JVM event-stream parser (postsse vs okhttp-sse, same
# bytes), then prints a markdown table of MB/s and events/s. About a minute on two cores.
#   bench/jvm-parser.sh                      # default JDK
#   JAVA=/path/to/bin/java bench/jvm-parser.sh
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA:-java}"
RESULTS=bench/results
mkdir -p "$RESULTS"
JAR=bench/jvm-parser/target/benchmarks.jar

mvn -B -q -Pbench -pl bench/jvm-parser -am package -DskipTests
"$JAVA" -cp "$JAR" io.postsse.bench.ParserBenchmark > "$RESULTS/jvm-parser-streams.txt"
"$JAVA" -jar "$JAR" ParserBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -rf json -rff "$RESULTS/jvm-parser.json" \
  > "$RESULTS/jvm-parser.log" 2>&1   # JMH's own report; the table below is what matters

python3 - "$RESULTS/jvm-parser-streams.txt" "$RESULTS/jvm-parser.json" <<'PY'
import json, sys
streams = {}
for line in open(sys.argv[1]):
    name, size, events = line.split()
    streams[name] = (int(size), int(events))
rows = {}
for r in json.load(open(sys.argv[2])):
    parser = r["benchmark"].rsplit(".", 1)[1]
    rows.setdefault(r["params"]["stream"], []).append((parser, r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"]))
print()
print("| stream | parser | MB/s | events/s | streams/s (± 99.9% CI) |")
print("|---|---|---:|---:|---:|")
for name in ("tokens", "large"):
    size, events = streams[name]
    for parser, ops, err in sorted(rows.get(name, [])):
        label = "postsse (EventStreamDecoder, bytes)" if parser == "postsse" else "okhttp-sse (ServerSentEventReader)"
        print(f"| {name}: {events:,} events, {size / 1e6:.2f} MB | {label} | {ops * size / 1e6:,.0f} | {ops * events:,.0f} | {ops:,.2f} ± {err:,.2f} |")
PY
