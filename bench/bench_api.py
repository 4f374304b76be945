"""REST API figures through the local stack, and the handlers' own time.

1. Handler own time (in-process, moto): the gateway and interview handlers per route/action, excluding AWS calls.
2. Per-route latency at the client (sequential typed interviews through the local stack, loopback only):
   collect mode (answers evaluated at the end) and evaluate mode (each answer evaluated when submitted);
   the routes that speak are split by whether the question's audio came from the TTS cache.
3. Requests per second with 1, 8 and 32 concurrent clients (one user each) for a fixed time each: running whole
   typed interviews, reading a session (``GET /api/sessions/{id}``), and ``GET /api/health`` (the gateway alone).
4. Load: 50 simulated candidates doing whole typed interviews at once (evaluate mode, with follow-ups); every
   request must succeed and every answer must be stored.

Everything is bounded (a number of interviews, or seconds), and every request goes to 127.0.0.1.
The local stack runs in a process of its own (not sharing this client's interpreter); its functions' logs go
to bench/results/api-stack.log, the in-process handlers' to bench/results/api.log.

Run: .venv/bin/python bench/bench_api.py [--quick]   (writes bench/results/api.json)
"""

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / p) for p in ("infra", "layers/shared", "functions/gateway", "functions/interview")]
sys.path[:0] = [str(ROOT / "functions/voice")]
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import handler_time  # noqa: E402
import httpx  # noqa: E402
import yaml  # noqa: E402
from quiet import redirect_output  # noqa: E402
from rest_client import Api, RequestFailed, Timings, fresh_answers, sign_in, typed_interview  # noqa: E402
from stats import summary_ms  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "api.json"
LOG = ROOT / "bench" / "results" / "api.log"
STACK_LOG = ROOT / "bench" / "results" / "api-stack.log"
ANSWERS = ROOT / "bench" / "data" / "labelled_answers.yaml"
# The latency and throughput clients create far more sessions than a person's daily quota allows.
STACK_ENV = {"MAX_SESSIONS_PER_DAY": "1000000"}
LEVELS = (1, 8, 32)
# Unrecorded one-second rounds of load before each measurement: at least 3, then until one starts no worker.
WARMUP_ROUNDS, MAX_WARMUP_ROUNDS, WARMUP_ROUND_SECONDS = 3, 15, 1.0
# What the concurrent clients do: the gateway's health route (no other function), reading a session (gateway,
# interview function, DynamoDB), and whole typed interviews (collect mode, 3 questions: 10 requests, with the
# questions' speech and the evaluation at the end). The interviews come last: they fill the tables, and moto
# answers a Query in time proportional to the whole table (DynamoDB does not).
WORKLOADS = ("health", "get_session", "typed_interview")
CONFIG = {"role": "backend_engineer", "mode": "collect", "num_questions": 3}


def load_answers() -> list[str]:
    """Typed answers: the hand-labelled answers' texts (realistic lengths, 20 to 300 words)."""
    return [item["text"] for item in yaml.safe_load(ANSWERS.read_text())["answers"]]


def http_client(base_url: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=128, max_keepalive_connections=128)
    return httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(120.0, connect=5.0), limits=limits)


async def latency(base_url: str, answers: list[str], interviews: dict[str, int]) -> dict[str, Any]:
    """Per-route latency over sequential typed interviews (one client, nothing else running)."""
    texts = fresh_answers(answers)
    timings = Timings()
    async with http_client(base_url) as client:
        api = Api(client, await sign_in(client, "bench-latency"), timings)
        timings.recording = False
        for _ in range(interviews["warmup"]):
            await typed_interview(api, texts, mode="collect", questions=3, max_follow_ups=0)
        timings.recording = True
        for mode in ("collect", "evaluate"):
            for _ in range(interviews[mode]):
                await typed_interview(api, texts, mode=mode, questions=3, max_follow_ups=0)
    return {label: summary_ms(values) for label, values in sorted(timings.samples.items())}


async def throughput(
    base_url: str, answers: list[str], clients: int, seconds: float, workload: str, cold_starts: Callable[[], int]
) -> dict[str, Any]:
    """Requests per second completed by ``clients`` concurrent clients (one user each) within ``seconds``.

    The same load runs unrecorded first, in one-second rounds until a whole round passes without a cold start
    (``cold_starts`` counts them so far), so that the local stack has started the workers this concurrency needs
    before the measured window opens (a fixed warm-up of 3 s sometimes left a 2 s cold start in it).
    """
    texts = fresh_answers(answers)
    errors: list[str] = []
    async with http_client(base_url) as client:
        users = [await sign_in(client, f"bench-rps-{clients}-{i}") for i in range(clients)]

        sessions = {}
        for i, headers in enumerate(users):
            if workload == "get_session":
                created = await client.post("/api/sessions", json=CONFIG, headers=headers)
                sessions[i] = created.json()["session"]["session_id"]

        async def worker(i: int, until: float, timings: Timings) -> None:
            api = Api(client, users[i], timings)
            while time.perf_counter() < until:
                try:
                    if workload == "health":
                        await api.call("health", "GET", "/api/health")
                    elif workload == "get_session":
                        await api.call("get-session", "GET", f"/api/sessions/{sessions[i]}")
                    else:
                        await typed_interview(api, texts, mode="collect", questions=3, max_follow_ups=0)
                except RequestFailed as exc:
                    errors.append(str(exc))

        for round_ in range(MAX_WARMUP_ROUNDS):
            started_before = cold_starts()
            until = time.perf_counter() + WARMUP_ROUND_SECONDS
            await asyncio.gather(*(worker(i, until, Timings()) for i in range(clients)))
            if round_ + 1 >= WARMUP_ROUNDS and cold_starts() == started_before:
                break
        timings = Timings()
        errors.clear()
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(worker(i, deadline, timings) for i in range(clients)))
    in_window = [t for t in timings.completed if t <= deadline]
    everything = [v for values in timings.samples.values() for v in values]
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(in_window),
        "rps": round(len(in_window) / seconds, 1),
        "latency": summary_ms(everything) if everything else None,
        "errors": len(errors),
        "first_errors": errors[:3],
    }


async def load(base_url: str, answers: list[str], candidates: int, questions: int) -> dict[str, Any]:
    """``candidates`` whole typed interviews at once, one user each; counts failures and answers not stored."""
    texts = fresh_answers(answers)
    timings = Timings()
    async with http_client(base_url) as client:
        users = [await sign_in(client, f"bench-candidate-{i}") for i in range(candidates)]
        started = time.perf_counter()
        outcomes = await asyncio.gather(
            *(
                typed_interview(
                    Api(client, headers, timings), texts, mode="evaluate", questions=questions, max_follow_ups=1
                )
                for headers in users
            ),
            return_exceptions=True,
        )
        elapsed = time.perf_counter() - started
    failures = [str(o) for o in outcomes if isinstance(o, BaseException)]
    done = [o for o in outcomes if isinstance(o, dict)]
    return {
        "candidates": candidates,
        "questions": questions,
        "completed_interviews": len(done),
        "failed_interviews": len(failures),
        "first_failures": failures[:5],
        "answers_sent": sum(o["answers"] for o in done),
        "answers_lost": sum(o["lost"] for o in done),
        "requests": timings.count(),
        "seconds": round(elapsed, 1),
        "rps": round(timings.count() / elapsed, 1),
        "routes": {label: summary_ms(values) for label, values in sorted(timings.samples.items())},
    }


def hops(stack: Any, runs: int = 100) -> dict[str, Any]:
    """What one hop of the local stack costs (p50/p95): the REST API to the gateway, a Lambda invoke, a DynamoDB
    call to moto's server. Every route's latency is a sum of such hops plus the functions' own time."""
    import boto3

    from local_stack.aws import CREDENTIALS
    from local_stack.cfn import REGION

    dynamodb = boto3.client("dynamodb", endpoint_url=stack.moto_url, region_name=REGION, **CREDENTIALS)
    lambda_ = boto3.client("lambda", endpoint_url=stack.http_url, region_name=REGION, **CREDENTIALS)
    key = {"pk": {"S": "bench#hop"}, "sk": {"S": "bench#hop"}}
    health = json.dumps({"action": "health", "payload": {}}).encode()
    probes = {
        "REST GET /api/health (REST API + gateway)": lambda client: client.get(f"{stack.http_url}/api/health"),
        "Lambda invoke, interview health action": lambda _: lambda_.invoke(
            FunctionName="InterviewFunction", Payload=health
        )["Payload"].read(),
        "DynamoDB GetItem (moto server)": lambda _: dynamodb.get_item(TableName="InterviewTable", Key=key),
        "DynamoDB Query of one session (moto server)": lambda _: dynamodb.query(
            TableName="InterviewTable",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": key["pk"]},
        ),
    }
    result = {}
    with httpx.Client() as client:
        for name, probe in probes.items():
            probe(client)
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                probe(client)
                samples.append(time.perf_counter() - started)
            result[name] = summary_ms(samples)
    return result


def cold_starts() -> int:
    """Cold starts of the stack's function workers so far: the ColdStart metric each worker's first invocation logs."""
    return STACK_LOG.read_text(errors="replace").count('"ColdStart"')


async def through_stack(base_url: str, answers: list[str], quick: bool) -> dict[str, Any]:
    interviews = {"warmup": 3, "collect": 15, "evaluate": 5} if quick else {"warmup": 5, "collect": 60, "evaluate": 20}
    result: dict[str, Any] = {"interviews": interviews}
    result["latency"] = await latency(base_url, answers, interviews)
    result["throughput"] = {}
    for workload in WORKLOADS:
        seconds = (4.0 if quick else 8.0) if workload == "typed_interview" else (3.0 if quick else 5.0)
        result["throughput"][workload] = [
            await throughput(base_url, answers, c, seconds, workload, cold_starts) for c in LEVELS
        ]
    result["load"] = await load(base_url, answers, candidates=50, questions=5)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer interviews and shorter throughput runs")
    args = parser.parse_args()
    terminal = redirect_output(LOG)
    try:
        return run(args.quick, terminal)
    except Exception:
        traceback.print_exc(file=terminal)
        print(f"bench_api failed; see {LOG.relative_to(ROOT)} and {STACK_LOG.relative_to(ROOT)}", file=terminal)
        return 1


def run(quick: bool, terminal: Any) -> int:
    from local_stack.process import StackProcess

    answers = load_answers()
    started = time.perf_counter()
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before": os.getloadavg()},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    print("handler own time (in process)...", file=terminal)
    report["handler_time"] = handler_time.run(answers, interviews=5 if quick else 20)
    print("through the local stack...", file=terminal)
    with StackProcess(STACK_LOG, environment=STACK_ENV) as stack:
        report["hops"] = hops(stack)
        report.update(asyncio.run(through_stack(stack.http_url, answers, quick)))
        report["hops_after"] = hops(stack)  # the same probes with the tables full of the run's sessions
    report["machine"]["load_after"] = os.getloadavg()
    report["bench_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print_report(report, terminal)
    print(f"\nwritten to {RESULTS.relative_to(ROOT)} (function logs in {STACK_LOG.relative_to(ROOT)})", file=terminal)
    return 0


def print_report(r: dict[str, Any], out: Any) -> None:
    def rows(title: str, table: dict[str, Any]) -> None:
        print(f"\n{title}", file=out)
        print(f"  {'':34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}", file=out)
        for label, s in table.items():
            print(f"  {label:34} {s['n']:5} {s['p50_ms']:8} {s['p95_ms']:8} {s['p99_ms']:8}", file=out)

    rows("Handler own time, excluding AWS calls (in process)", r["handler_time"]["own"])
    rows("Latency at the client through the local stack (sequential)", r["latency"])
    rows("One hop of the local stack, before the run", r["hops"])
    rows("One hop of the local stack, after the run", r["hops_after"])
    print("\nRequests per second", file=out)
    for kind, levels in r["throughput"].items():
        for t in levels:
            p = t["latency"] or {}
            print(
                f"  {kind:17} {t['clients']:3} clients: {t['rps']:7} req/s  p50 {p.get('p50_ms')} ms  "
                f"p99 {p.get('p99_ms')} ms  errors {t['errors']}",
                file=out,
            )
    x = r["load"]
    print(
        f"\nLoad: {x['candidates']} candidates at once: {x['completed_interviews']} interviews completed, "
        f"{x['failed_interviews']} failed, {x['answers_sent']} answers sent, {x['answers_lost']} lost, "
        f"{x['requests']} requests in {x['seconds']} s",
        file=out,
    )


if __name__ == "__main__":
    sys.exit(main())
