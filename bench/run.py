"""``make bench``: run every benchmark of the project on this machine, then print one table and write JSON.

The benchmarks run one after another, each in its own process (so that none disturbs another's timings), each
with a time limit: bench_api.py (REST latency, requests per second, handler time, load), bench_stream.py
(streamed answers over the WebSocket), stream_accuracy.py (streamed long answers' WER against whole recordings'),
bench_voice.py (speech) and bench_evaluator.py (evaluator agreement).
Each writes bench/results/<name>.json and its output to bench/results/<name>.out; this script reads the JSON
and prints figure | measured | target | original design's claim | met?, then writes bench/results/summary.json.
Everything runs on this machine over the loopback interface.

Run: .venv/bin/python bench/run.py [--quick] [--only api,stream,stream_accuracy,voice,evaluator] [--table-only]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import summary

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: str
    args: tuple[str, ...]
    quick_args: tuple[str, ...]
    limit_s: int


BENCHMARKS = (
    Benchmark("api", "bench_api.py", (), ("--quick",), 900),
    Benchmark("stream", "bench_stream.py", (), ("--quick",), 900),
    Benchmark("stream_accuracy", "stream_accuracy.py", (), ("--quick",), 900),
    # The voice benchmark's quick mode (fewer repetitions of its timings) keeps `make bench` near 20 minutes on two
    # cores; `--full-voice` repeats them as often as the script alone does.
    Benchmark("voice", "bench_voice.py", ("--quick",), ("--quick",), 900),
    Benchmark("evaluator", "bench_evaluator.py", (), (), 300),
)


def run(benchmark: Benchmark, quick: bool, full_voice: bool) -> tuple[bool, float]:
    """Run one benchmark script; returns (succeeded, seconds). Its output goes to results/<name>.out."""
    args = benchmark.quick_args if quick else benchmark.args
    if benchmark.name == "voice" and full_voice:
        args = ()
    RESULTS.mkdir(parents=True, exist_ok=True)
    result_file = RESULTS / f"{benchmark.name}.json"
    result_file.unlink(missing_ok=True)
    started = time.perf_counter()
    with (RESULTS / f"{benchmark.name}.out").open("w") as out:
        try:
            code = subprocess.run(
                [sys.executable, str(BENCH / benchmark.script), *args],
                cwd=BENCH.parent,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=benchmark.limit_s,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\nstopped after {benchmark.limit_s} s\n")
            code = -1
    return code == 0 and result_file.exists(), time.perf_counter() - started


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def print_table(rows: list[summary.Row]) -> None:
    headers = ("figure", "measured", "target", "original design claim", "met?")
    cells = [(r.figure, r.measured, r.target, r.claim, {True: "yes", False: "NO", None: "-"}[r.met]) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    group = None
    for row, cell in zip(rows, cells, strict=True):
        if row.group != group:
            group = row.group
            print(f"\n{group}")
        print("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())


def cpu_model() -> str:
    """The processor's name from /proc/cpuinfo ("unknown" elsewhere)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return "unknown"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown")


def reference_ms() -> float:
    """One core's speed now: the best of five runs of a fixed pure-Python loop, in ms. Machines of the same name
    differ, and a shared one drifts: figures from two runs compare only as far as this one does."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs of every benchmark (less precise)")
    parser.add_argument("--full-voice", action="store_true", help="the voice benchmark with its full repetitions")
    names = ", ".join(b.name for b in BENCHMARKS)
    parser.add_argument("--only", default="", help=f"comma-separated names: {names}")
    parser.add_argument("--table-only", action="store_true", help="run nothing; print the table of the last results")
    args = parser.parse_args()
    chosen = {n.strip() for n in args.only.split(",") if n.strip()} or {b.name for b in BENCHMARKS}
    unknown = chosen - {b.name for b in BENCHMARKS}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    failed = []
    timings: dict[str, float] = {}
    if not args.table_only:
        for benchmark in BENCHMARKS:
            if benchmark.name not in chosen:
                continue
            print(f"running {benchmark.script} ...", flush=True)
            ok, seconds = run(benchmark, args.quick, args.full_voice)
            timings[benchmark.name] = round(seconds, 1)
            print(f"  {'done' if ok else 'FAILED'} in {seconds:.0f} s (output: bench/results/{benchmark.name}.out)")
            if not ok:
                failed.append(benchmark.name)

    results = {b.name: load(b.name) for b in BENCHMARKS}
    rows = summary.rows(results)
    machine = {"cpus": os.cpu_count(), "cpu_model": cpu_model(), "reference_ms": reference_ms()}
    print(
        f"\nBenchmarks on {machine['cpus']} CPUs ({machine['cpu_model']}; reference loop "
        f"{machine['reference_ms']} ms), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
    )
    print_table(rows)
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine,
        "quick": args.quick,
        "seconds": timings,
        "total_seconds": round(time.perf_counter() - started, 1),
        "failed": failed,
        "rows": summary.as_dicts(rows),
    }
    (RESULTS / "summary.json").write_text(json.dumps(report, indent=2) + "\n")
    met = sum(r.met is True for r in rows)
    missed = sum(r.met is False for r in rows)
    print(f"\n{met} targets met, {missed} missed; written to bench/results/summary.json")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
