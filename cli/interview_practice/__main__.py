"""Entry point of the ``interview-practice`` command."""

import argparse
import sys

from interview_practice import evaluate, practice, speech


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="interview-practice", description="Practice interviews by voice or text.")
    commands = parser.add_subparsers(dest="command", required=True)
    evaluate.register(commands)
    speech.register(commands)
    practice.register(commands)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
