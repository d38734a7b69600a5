"""The one load generator of the benches: N calls at a given concurrency, then throughput and latency percentiles.

Standard library only, so that the peer's own virtual environment (bench/peer.py) runs the very same code.
"""

import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run_level(call, concurrency, count):
    """Run call() count times, concurrency at once; call returns a status (201 / an error name)."""
    def one(_):
        started = time.perf_counter()
        try:
            status = call()
        except Exception as error:  # a failed call is an answer to count, not a crash of the bench
            status = type(error).__name__
        return time.perf_counter() - started, status

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        answers = list(pool.map(one, range(count)))
    wall = time.perf_counter() - started
    latencies = [seconds for seconds, _ in answers]
    statuses = Counter(status for _, status in answers)
    ok = statuses.get(201, 0) + statuses.get("ok", 0)
    return {
        "concurrency": concurrency,
        "requests": count,
        "judged/s": ok / wall,
        "p50 ms": statistics.median(latencies) * 1000,
        "p95 ms": percentile(latencies, 0.95) * 1000,
        "p99 ms": percentile(latencies, 0.99) * 1000,
        "answers": ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=str)),
    }


def markdown(rows):
    """Rows of dicts as a Markdown table."""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in row.values()) + " |")
    return "\n".join(lines)
