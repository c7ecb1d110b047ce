#!/usr/bin/env bash
# Runs every benchmark and rewrites BENCHMARKS.md with today's tables.
# Usage: bench/run-all.sh        (about 15 minutes; needs Node.js and npm for the JavaScript peers)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
section() { printf '\n## %s\n\n' "$1" >>"$out"; }
text() { printf '%s\n' "$@" >>"$out"; }
run() { "$@" 2>/dev/null | grep -v '^\s*$' | sed 's/\x1b\[[0-9;]*m//g' >>"$out"; }

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | xargs)
text "# Benchmarks" "" \
  "Every table below was written by \`bench/run-all.sh\` on $(date -u +%Y-%m-%d), on $cpu with $(nproc) cores" \
  "and $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1 | cut -d'"' -f2) as the default JDK; each section also names the command that" \
  "reruns it alone. The machines are shared and noisy: every figure is set beside a peer measured in" \
  "the same run, and the ratios are what to read."

section "1. Browser client throughput"
text "One Chromium, one loopback server, the same bytes for every client; events/s until the last" \
  "event reached a handler that counts. Goal: postsse ≥ 1.5× eventsource-parser and ≥ 15× the" \
  "native EventSource. Rerun: \`bench/browser.sh\` (also sections 2 and 6)." ""
run bench/browser.sh

section "3. Server concurrency and 4. single-stream throughput"
text "postsse (JDK 25, virtual threads) against an Express server of the seed's shape (one" \
  "\`res.write\` per event), under the same load from lean NIO clients on loopback. Goal: 20,000" \
  "streams. This sandbox caps a process at 20,000 open files (\`ulimit -Hn\`, which root cannot" \
  "raise here), so one server can hold at most that many sockets: the run holds 19,000." \
  "Rerun: \`bench/server-load.sh [streams] [seconds]\`." ""
run bench/server-load.sh

section "5. Cancellation latency (server)"
text "Client closes its connection → the silent producer's \`onCancel\` runs and its thread is" \
  "interrupted. Goal: within 1 s, aiming at 100 ms. Rerun: \`bench/cancellation-latency.sh\`." ""
run bench/cancellation-latency.sh

if [ -x bench/jvm-parser.sh ]; then
  section "7. JVM parser against okhttp-sse"
  text "JMH, the same bytes for both parsers. Rerun: \`bench/jvm-parser.sh\`." ""
  run bench/jvm-parser.sh
fi

mv "$out" BENCHMARKS.md
echo "BENCHMARKS.md rewritten"
