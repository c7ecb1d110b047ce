"""Reads the tables bench/run-all.sh wrote and prints the goals section: each goal, the figure
measured in this run, and whether it was met; where one was missed, what limits it."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()


def rows(after_heading):
    """The rows of the first table after a line that contains the heading text."""
    start = text.find(after_heading)
    if start < 0:
        return []
    found = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|") and not line.startswith("|---"):
            found.append([cell.strip() for cell in line.strip("|").split("|")])
        elif found and not line.startswith("|"):
            break
    return found[1:]  # without the header row


def number(cell):
    return float(re.sub(r"[^0-9.]", "", cell) or "nan")


def row(table, prefix):
    for cells in table:
        if cells[0].startswith(prefix):
            return cells
    return None


goals = []
small = rows("### Throughput: 200,000 events")
for client in ("postsse, Java API", "postsse, postsse.js"):
    r = row(small, client)
    if r:
        parser, native = number(r[2]), number(r[3])
        goals.append((f"{client}: ≥ 1.5× eventsource-parser", f"{parser:.2f}×", parser >= 1.5, ""))
        goals.append((f"{client}: ≥ 15× native EventSource", f"{native:.2f}×", native >= 15, ""))

large = rows("### Throughput: 2,000 events")
r = row(large, "postsse, Java API")
if r:
    ratio = number(r[2])
    goals.append(("large events (no goal set): postsse against eventsource-parser", f"{ratio:.2f}×", None,
                  "" if ratio >= 0.9 else "A Chromium CPU profile puts most of the client's time in the "
                  "parser's search for line ends; the raw fetch ceiling row shows the transport is not "
                  "the limit."))

latency = rows("### Emit → DOM latency")
for cells in latency:
    if cells[0].startswith("postsse"):
        same_rate = [c for c in latency if c[1] == cells[1]]
        floor = next((c for c in same_rate if "no DOM" in c[0]), None)
        with_dom = next((c for c in same_rate if c[0].startswith("raw") and "appended" in c[0]), None)
        p99 = number(cells[4])
        why = ""
        if p99 > 5 and with_dom and number(with_dom[4]) >= p99 * 0.9:
            why = (f"A raw fetch reader that puts the same text into the page measured p99 {with_dom[4]} ms "
                   f"in the same run, and one that touches no DOM {floor[4] if floor else '?'} ms: the tail "
                   "is the page's own DOM work (style, layout) on this shared 2-core machine, not "
                   "postsse's client, which adds none of its own.")
        elif p99 > 5 and floor and number(floor[4]) >= p99:
            why = (f"The raw fetch reader, with no parser and no DOM, measured p99 {floor[4]} ms at the "
                   "same rate in the same run: the tail comes before the page's code runs, from the "
                   "network stack and scheduling on this shared machine.")
        elif p99 > 5:
            why = ("postsse's p99 is above both raw readers' in this run: the client adds to the tail. "
                   "Not profiled yet.")
        goals.append((f"emit → DOM p99 ≤ 5 ms at {cells[1]}", f"{cells[4]} ms", p99 <= 5, why))

concurrency = rows("### Concurrency")
r = row(concurrency, "postsse")
if r:
    held, failed = int(number(r[1])), int(number(r[2]))
    goals.append(("20,000 concurrent streams", f"{held:,} held, {failed} failed", False if held < 20000 else failed == 0,
                  "Not measurable here: this sandbox caps every process at 20,000 open files and root "
                  "cannot raise it, so no server can hold 20,000 sockets; the run holds all it can, "
                  "with the delay and memory per stream in the table." if held < 20000 else ""))

cancel = rows("| JDK | rounds | until")
if cancel:
    goals.append(("cancellation within 1 s (aim 100 ms), p99 over all rows",
                  f"{max(number(c[5]) for c in cancel):.2f} ms", max(number(c[5]) for c in cancel) <= 100, ""))

size = rows("### Script size")
r = row(size, "postsse.js")
if r:
    gz = int(number(r[2]))
    goals.append(("postsse.js under 10 KB gzipped", f"{gz:,} bytes", gz < 10 * 1024,
                  "" if gz < 10 * 1024 else "Most of it is TeaVM's runtime, not postsse's code: class "
                  "metadata, HashMap, StringBuilder and 64-bit long arithmetic (the parser's retry time) "
                  "from its Java class library."))

print("| goal | this run | met |")
print("|---|---|---|")
for goal, figure, met, why in goals:
    verdict = "—" if met is None else ("yes" if met else "**no**")
    print(f"| {goal} | {figure} | {verdict} |")
notes = [(goal, why) for goal, figure, met, why in goals if why]
if notes:
    print()
    for goal, why in notes:
        print(f"- *{goal}*: {why}")
