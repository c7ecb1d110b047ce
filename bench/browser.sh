#!/usr/bin/env bash
# Browser clients side by side: throughput (small and large events), emit -> DOM latency, and
# script sizes. postsse (Java API via TeaVM, and postsse.js) against eventsource-parser,
# @microsoft/fetch-event-source, the native EventSource and a raw fetch reader (the ceiling).
# Usage: bench/browser.sh [rounds] [all|throughput|latency]
# Throughput in Chromium and Firefox side by side; latency in Chromium.
# Needs Node.js and npm (for the peers), and Chromium and Firefox: Debian's /usr/bin/chromium and
# /usr/bin/firefox-esr where they are, else Playwright's own.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
parts="${2:-all}"
js=bench/browser/js
(cd "$js" && npm install --silent --no-audit --no-fund >/dev/null 2>&1)
mkdir -p "$js/dist"
esbuild="$js/node_modules/.bin/esbuild"
"$esbuild" "$js/peers.js" --bundle --format=iife --log-level=warning --outfile="$js/dist/peers.js"
for peer in eventsource-parser fetch-event-source; do
  "$esbuild" "$js/size-$peer.js" --bundle --minify --format=iife --log-level=warning --outfile="$js/dist/size-$peer.js"
done

mvn -B -q -Pbench -pl bench/browser -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile="$PWD/bench/browser/target/classpath" >/dev/null
java=java
[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
"$java" -Drounds="$rounds" -Dparts="$parts" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "bench/browser/target/classes:$(cat bench/browser/target/classpath)" \
  io.postsse.bench.browser.BrowserBench "$js/dist"

size() { printf "| %s | %s | %s |\n" "$1" "$(wc -c <"$2" | tr -d ' ')" "$(gzip -9 -c "$2" | wc -c | tr -d ' ')"; }
echo "### Script size, bytes (minified; gzip -9)"
echo
echo "| script | raw | gzipped |"
echo "|---|---|---|"
postsse_js=web-client/target/classes/io/postsse/web/postsse.js
[ -f "$postsse_js" ] && size "postsse.js (TeaVM)" "$postsse_js"
size "eventsource-parser + its stream (esbuild --minify)" "$js/dist/size-eventsource-parser.js"
size "@microsoft/fetch-event-source (esbuild --minify)" "$js/dist/size-fetch-event-source.js"
echo "| native EventSource | 0 | 0 |"
