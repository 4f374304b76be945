"""``python -m local_stack``: serve the stack on 127.0.0.1:$PORT (default 8000) until Ctrl-C or SIGTERM."""

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from local_stack.stack import REPO_ROOT, LocalStack


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, content = value.partition("=")
        if not sep or not name:
            raise SystemExit(f"--{what} takes NAME=VALUE, not '{value}'.")
        pairs[name] = content
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")), help="0 picks a free port")
    parser.add_argument("--template", type=Path, default=REPO_ROOT / "template.yaml")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="template parameter")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra variable for every function"
    )
    parser.add_argument("--no-prewarm", action="store_true", help="start workers on first use only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    stack = LocalStack(
        port=args.port,
        template=args.template,
        parameters=_pairs(args.param, "param"),
        environment=_pairs(args.env, "env"),
        prewarm=not args.no_prewarm,
    )
    try:
        stack.start()
    except OSError as exc:
        print(f"Could not start the local stack: {exc}", file=sys.stderr)
        return 1
    try:
        width = max(len(name) for name in stack.urls())
        print("Local stack running (Ctrl-C stops it):", flush=True)
        for name, url in stack.urls().items():
            print(f"  {name.ljust(width)}  {url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        print("Stopping...", flush=True)
        stack.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
