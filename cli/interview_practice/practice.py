"""``interview-practice practice``: a whole interview in the terminal, over the REST API.

Creates and starts a session, prints (and, where a player exists, plays) each question, takes typed answers from
stdin or audio files from ``--answers-dir`` (uploaded with a presigned POST), shows feedback after each answer and
the report at the end. ``--json`` prints one JSON object per line instead, for scripts.

Sign-in: against the local stack nothing is needed (a development token is fetched for ``--user``); against AWS,
pass a Cognito ID token with ``--token`` or ``INTERVIEW_PRACTICE_TOKEN``. The token goes to the API only, never to
the storage URLs of uploads and downloads.
"""

import argparse
import itertools
import json
import mimetypes
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, get_args

import httpx

from practice_shared.models.common import ROLE_TITLES, InterviewType, Level, Mode

DEFAULT_API = "http://127.0.0.1:8000"
DEFAULT_USER = "candidate"
TIMEOUT = httpx.Timeout(180.0, connect=5.0)
EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
AUDIO_TYPES = {
    ".webm": "audio/webm",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".aac": "audio/aac",
    ".flac": "audio/flac",
}
PLAYERS = ("ffplay", "paplay", "aplay", "afplay")
CRITERIA = {
    "clarity": "Clarity",
    "communication": "Communication",
    "star_structure": "STAR structure",
    "role_relevance": "Role relevance",
    "technical_depth": "Technical depth",
}


class ApiError(Exception):
    """The server refused or failed a request; ``message`` is the server's own words."""

    def __init__(self, message: str, status: int = 0, code: str = "http_error") -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


class Unreachable(Exception):
    """The API could not be reached at all."""


class UsageError(Exception):
    """The command line asked for something that cannot be done (e.g. an empty answers directory)."""


# ---- the API ----


class Api:
    """The REST calls the practice flow needs, with errors turned into :class:`ApiError` / :class:`Unreachable`."""

    def __init__(self, client: httpx.Client, base_url: str) -> None:
        self.client, self.base_url = client, base_url
        self.token: str | None = None

    def sign_in(self, token: str | None, user: str) -> None:
        """Use ``token``; without one, get a development token for ``user`` (the local stack issues them)."""
        if token:
            self.token = token
            return
        try:
            issued = self.request("POST", "/auth/dev-token", json={"username": user})
        except ApiError as exc:
            if exc.status in (404, 405):
                raise ApiError(
                    f"{self.base_url} does not issue development tokens: sign in with --token <Cognito ID token> "
                    "or set INTERVIEW_PRACTICE_TOKEN.",
                    exc.status,
                    "sign_in_required",
                ) from exc
            raise
        self.token = issued["id_token"]

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if self.token:
            kwargs["headers"] = {**kwargs.get("headers", {}), "Authorization": f"Bearer {self.token}"}
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.ConnectError as exc:
            raise Unreachable(
                f"Cannot reach the API at {self.base_url}. Is the local stack running? Start it with `make dev`, "
                "or pass --api URL."
            ) from exc
        except httpx.TimeoutException as exc:
            raise ApiError("The server took too long to answer; please try again.", code="timeout") from exc
        except httpx.HTTPError as exc:
            raise ApiError(f"The request to {self.base_url} failed: {exc}", code="network_error") from exc
        if response.is_success:
            return response.json() if response.content else None
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        message = error.get("message") or f"The server answered HTTP {response.status_code}."
        raise ApiError(message, response.status_code, error.get("code") or "http_error")

    def session_path(self, session_id: str, action: str = "") -> str:
        return f"/api/sessions/{session_id}" + (f"/{action}" if action else "")

    def upload(self, session_id: str, path: Path) -> str:
        """Upload an answer's audio with a presigned POST; returns its ``audio_key``."""
        content_type = AUDIO_TYPES[path.suffix.lower()]
        grant = self.request("POST", self.session_path(session_id, "audio-upload"), json={"content_type": content_type})
        size = path.stat().st_size
        if size > grant["max_bytes"]:
            limit = grant["max_bytes"] // 1_048_576
            raise UsageError(f"{path.name} is {size / 1_048_576:.1f} MB; the limit is {limit} MB.")
        with path.open("rb") as audio:
            try:
                response = self.client.post(
                    grant["url"], data=grant["fields"], files={"file": (path.name, audio, content_type)}
                )
            except httpx.ConnectError as exc:
                raise Unreachable(f"Cannot reach the audio storage at {grant['url']}.") from exc
        if not response.is_success:
            raise ApiError(f"Uploading {path.name} failed (HTTP {response.status_code}).", response.status_code)
        return grant["audio_key"]

    def download(self, url: str) -> bytes:
        response = self.client.get(url)
        response.raise_for_status()
        return response.content


# ---- terminal output ----


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(str(text), width=max(8, width)) or [""]


def table(headers: list[str], rows: list[list[Any]], width: int) -> str:
    """A plain-text table fitting ``width`` columns; long cells wrap inside their column."""
    cells = [[str(c) for c in row] for row in rows]
    natural = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    budget = width - 3 * (len(headers) - 1)
    widths = list(natural)
    while sum(widths) > budget and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] = max(12, widths[widest] - (sum(widths) - budget))
    lines = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    for row in cells:
        wrapped = [_wrap(cell, w) for cell, w in zip(row, widths, strict=True)]
        for n in range(max(len(c) for c in wrapped)):
            parts = [(c[n] if n < len(c) else "").ljust(w) for c, w in zip(wrapped, widths, strict=True)]
            lines.append(" | ".join(parts).rstrip())
    return "\n".join(lines)


class Console:
    """Where the flow writes: readable text (or JSON lines with ``--json``) on stdout, progress on stderr."""

    def __init__(self, out: TextIO, err: TextIO, stdin: TextIO, as_json: bool) -> None:
        self.out, self.err, self.stdin, self.as_json = out, err, stdin, as_json
        self.width = min(110, shutil.get_terminal_size((100, 24)).columns)

    def say(self, text: str = "") -> None:
        if not self.as_json:
            print(text, file=self.out, flush=True)

    def event(self, name: str, **fields: Any) -> None:
        if self.as_json:
            print(json.dumps({"event": name, **fields}, ensure_ascii=False), file=self.out, flush=True)

    def note(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def wrapped(self, text: str, indent: str = "", hanging: str | None = None) -> None:
        subsequent = indent if hanging is None else hanging
        self.say(textwrap.fill(text, width=self.width, initial_indent=indent, subsequent_indent=subsequent))

    def bullets(self, title: str, items: list[str]) -> None:
        if items:
            self.say(title)
            for item in items:
                self.say(textwrap.fill(item, width=self.width, initial_indent="  - ", subsequent_indent="    "))

    @contextmanager
    def status(self, text: str) -> Iterator[None]:
        """A spinner with elapsed seconds on stderr while the block runs (one plain line when not a terminal)."""
        if not self.err.isatty():
            self.note(f"{text}...")
            yield
            return
        done = threading.Event()
        started = time.monotonic()

        def spin() -> None:
            for char in itertools.cycle("|/-\\"):
                if done.wait(0.12):
                    return
                self.err.write(f"\r{char} {text} {time.monotonic() - started:4.0f}s")
                self.err.flush()

        thread = threading.Thread(target=spin, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
            self.err.write("\r" + " " * (len(text) + 12) + "\r")
            self.err.flush()


# ---- audio playback (optional) ----


def find_player() -> str | None:
    """The first audio player on PATH, if any."""
    return next((name for name in PLAYERS if shutil.which(name)), None)


def play(api: Api, audio: dict[str, Any] | None, player: str | None, console: Console) -> None:
    """Play synthesized speech when a player exists; silence is never an error."""
    if not audio or not player or console.as_json:
        return
    content_type = audio.get("content_type", "audio/ogg")
    if player == "aplay" and "wav" not in content_type:
        return
    suffix = mimetypes.guess_extension(content_type) or ".ogg"
    try:
        data = api.download(audio["audio_url"])
    except (httpx.HTTPError, KeyError):
        console.note("(The question's audio could not be downloaded; read it above.)")
        return
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data)
        handle.flush()
        command = {
            "ffplay": ["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet", handle.name],
            "paplay": ["paplay", handle.name],
            "aplay": ["aplay", "-q", handle.name],
            "afplay": ["afplay", handle.name],
        }[player]
        try:
            subprocess.run(command, check=False, timeout=float(audio.get("duration_seconds") or 30) + 10)
        except (OSError, subprocess.TimeoutExpired):
            console.note("(The question's audio could not be played; read it above.)")


# ---- rendering ----


def show_question(console: Console, question: dict[str, Any]) -> None:
    console.event("question", question=question)
    label = "Follow-up" if question.get("is_follow_up") else f"Question {question['index'] + 1} of {question['total']}"
    if question.get("attempt", 1) > 1:
        label += f", attempt {question['attempt']}"
    console.say()
    console.say(f"== {label} ({question.get('type', '')}) ==")
    console.wrapped(question["text"])
    if question.get("reason"):
        console.wrapped(f"Why: {question['reason']}", indent="  ")


def _delivery_rows(delivery: dict[str, Any]) -> list[list[str]]:
    rows = []
    if isinstance(delivery.get("words_per_minute"), int | float):
        rows.append(["Pace", f"{delivery['words_per_minute']:.0f} words/min"])
    if isinstance(delivery.get("fillers_per_100_words"), int | float):
        rows.append(["Filler words", f"{delivery['fillers_per_100_words']:.1f} per 100 words"])
    if isinstance(delivery.get("pause_count"), int | float):
        rows.append(["Long pauses", str(delivery["pause_count"])])
    if isinstance(delivery.get("longest_pause_seconds"), int | float):
        rows.append(["Longest pause", f"{delivery['longest_pause_seconds']:.1f} s"])
    return rows


def show_result(console: Console, result: dict[str, Any], mode: str) -> None:
    """Transcript, delivery and (evaluate mode) scores, key points and feedback of one answer."""
    console.event("answer", result=result)
    answer = result.get("answer") or {}
    console.say()
    if answer.get("source") == "audio":
        console.say("What we heard:")
        console.wrapped(answer.get("text", ""), indent="  ")
        if answer.get("language_warning"):
            console.wrapped(f"Warning: {answer['language_warning']}", indent="  ")
        delivery = (result.get("transcription") or {}).get("delivery") or answer.get("delivery") or {}
        if rows := _delivery_rows(delivery):
            console.say(table(["Delivery", "Value"], rows, console.width))
    if mode != "evaluate":
        console.say("Answer saved; it is scored in the report at the end.")
        return
    evaluation = result.get("evaluation")
    if evaluation:
        console.say(f"Score: {evaluation['overall']:.1f}/10")
        rows = [
            [
                CRITERIA.get(c["criterion"], c["criterion"]),
                f"{c['score']:.1f}",
                "; ".join(e.rstrip(".") for e in c.get("evidence") or []),
            ]
            for c in evaluation.get("criteria", [])
        ]
        console.say(table(["Criterion", "Score", "Evidence"], rows, console.width))
        points = evaluation.get("key_points") or []
        if points:
            covered = sum(1 for p in points if p.get("covered"))
            console.say(f"Key points covered: {covered} of {len(points)}")
            for p in points:
                mark = "[x]" if p.get("covered") else "[ ]"
                evidence = f' - "{p["evidence"]}"' if p.get("covered") and p.get("evidence") else ""
                console.wrapped(f"{mark} {p['key_point']}{evidence}", indent="  ")
    feedback = result.get("feedback")
    if feedback:
        console.bullets("What went well:", feedback.get("strengths") or [])
        console.bullets("What to improve:", feedback.get("improvements") or [])
        console.bullets("Outline of a stronger answer:", feedback.get("improved_answer_outline") or [])
        console.bullets("Common mistakes on this question:", feedback.get("pitfalls") or [])


def _question_score(q: dict[str, Any]) -> str:
    """A report row's score, with the earlier attempts' when the question was answered again and the answer's own
    when answers to follow-ups raised it."""
    if not isinstance(q.get("overall"), int | float):
        return "-"
    notes = []
    earlier = ", ".join(f"{v:.1f}" for v in q.get("earlier_overall") or [])
    if earlier:
        notes.append(f"attempt {q['attempts']}; before: {earlier}")
    alone = q.get("answer_overall")
    if isinstance(alone, int | float) and alone < q["overall"]:
        notes.append(f"answer alone: {alone:.1f}")
    return f"{q['overall']:.1f} ({'; '.join(notes)})" if notes else f"{q['overall']:.1f}"


def show_report(console: Console, end: dict[str, Any]) -> None:
    report = end["report"]
    console.event("report", report=report, summary_audio=end.get("summary_audio"))
    console.say()
    console.say("== Report ==")
    overall = report.get("overall")
    console.say(f"Overall: {overall:.1f}/10" if isinstance(overall, int | float) else "Overall: not scored")
    console.say(f"Answered {report['answered']} of {report['asked']} questions.")
    if report.get("criteria"):
        rows = [[CRITERIA.get(k, k), f"{v:.1f}"] for k, v in report["criteria"].items()]
        console.say(table(["Criterion", "Score"], rows, console.width))
    rows = []
    for q in report.get("questions", []):
        delivery = q.get("delivery") or {}
        wpm = delivery.get("words_per_minute")
        fillers = delivery.get("fillers_per_100_words")
        rows.append(
            [
                str(q["index"] + 1),
                q["question"],
                _question_score(q),
                f"{wpm:.0f}" if isinstance(wpm, int | float) else "-",
                f"{fillers:.1f}" if isinstance(fillers, int | float) else "-",
            ]
        )
    if rows:
        console.say()
        console.say(table(["#", "Question", "Score", "WPM", "Fillers/100"], rows, console.width))
    console.say()
    console.bullets("Strengths:", report.get("strengths") or [])
    console.bullets("To improve:", report.get("improvements") or [])
    plan = report.get("practice_plan") or []
    if plan:
        console.say("Practice plan:")
        for n, item in enumerate(plan, 1):
            console.wrapped(f"{n}. {item['focus']}: {item['why']} Exercise: {item['exercise']}", "  ", "     ")
    console.say()
    console.wrapped(report.get("summary_text", ""))


# ---- answers ----


def answer_files(directory: str | None) -> list[Path] | None:
    """The audio files of ``--answers-dir``, sorted by name (None when answers are typed)."""
    if directory is None:
        return None
    folder = Path(directory)
    if not folder.is_dir():
        raise UsageError(f"--answers-dir {directory} is not a directory.")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_TYPES)
    if not files:
        raise UsageError(f"No audio files ({', '.join(sorted(AUDIO_TYPES))}) in {directory}.")
    return files


def read_typed(console: Console) -> str | None:
    """A typed answer: lines until an empty line. ``/skip``, ``/again`` and ``/end`` are commands; None at end of
    input."""
    console.note(
        "Type your answer, then an empty line to submit "
        "(/skip to skip, /again to answer the last question again, /end to finish):"
    )
    lines: list[str] = []
    while True:
        line = console.stdin.readline()
        if not line:
            return "\n".join(lines).strip() or None
        stripped = line.strip()
        if not lines and stripped in {"/skip", "/again", "/end"}:
            return stripped
        if not stripped:
            if lines:
                return "\n".join(lines).strip()
            continue
        lines.append(line.rstrip("\n"))


# ---- the flow ----


def practice(args: argparse.Namespace, api: Api, console: Console, player: str | None) -> int:
    """Run one interview from set-up to report; returns the exit status."""
    files = answer_files(args.answers_dir)
    api.sign_in(args.token, args.user)
    settings = {
        "role": args.role,
        "level": args.level,
        "interview_type": args.type,
        "mode": args.mode,
        "num_questions": len(files) if files is not None and args.questions is None else (args.questions or 5),
    }
    with console.status("Preparing your questions"):
        created = api.request("POST", "/api/sessions", json=settings)
    session_id = created["session"]["session_id"]
    console.event("session", session_id=session_id, session=created["session"])
    console.say(f"Interview for {ROLE_TITLES.get(args.role, args.role)} ({args.level}, {args.type}, {args.mode} mode)")
    console.say(f"Session {session_id}")
    with console.status("Starting"):
        question = api.request("POST", api.session_path(session_id, "start"))["question"]
    answered = 0
    last_answered: int | None = None  # the planned question answered last, which /again asks again
    while question is not None:
        show_question(console, question)
        play(api, question.get("audio"), player, console)
        if files is not None and question.get("is_follow_up"):
            console.say("(Follow-up skipped: answers come from files, one per planned question.)")
            question = next_question(api, session_id, console)
            continue
        if files is not None and answered >= len(files):
            break
        if files is not None:
            path = files[answered]
            console.say(f"Answering with {path.name}")
            with console.status(f"Uploading {path.name}"):
                key = api.upload(session_id, path)
            body: dict[str, Any] = {"audio_key": key}
        else:
            typed = read_typed(console)
            if typed is None or typed == "/end":
                break
            if typed == "/skip":
                question = next_question(api, session_id, console, from_index=question["index"])
                continue
            if typed == "/again":
                if last_answered is None:
                    console.say("Nothing answered yet: answer this question first.")
                else:
                    question = repeat_question(api, session_id, console, last_answered)
                continue
            body = {"text": typed}
        body["client_answer_id"] = uuid.uuid4().hex
        with console.status("Transcribing and evaluating" if "audio_key" in body else "Evaluating"):
            result = api.request("POST", api.session_path(session_id, "submit-answer"), json=body)
        answered += 1
        last_answered = question["index"]
        show_result(console, result, args.mode)
        action = result.get("next_action")
        if action == "answer_follow_up" and result.get("follow_up"):
            question = result["follow_up"]
        elif action == "end":
            question = None
        else:
            question = next_question(api, session_id, console)
    with console.status("Writing your report"):
        end = api.request("POST", api.session_path(session_id, "end"))
    show_report(console, end)
    play(api, end.get("summary_audio"), player, console)
    return EXIT_OK


def next_question(api: Api, session_id: str, console: Console, from_index: int | None = None) -> dict[str, Any] | None:
    """The next question (moving on only from question ``from_index``, if given), or None at the end."""
    body = None if from_index is None else {"from_index": from_index}
    with console.status("Next question"):
        result = api.request("POST", api.session_path(session_id, "next-question"), json=body)
    return None if result.get("done") else result.get("question")


def repeat_question(api: Api, session_id: str, console: Console, index: int) -> dict[str, Any]:
    """Question ``index`` asked again, as a new attempt."""
    with console.status("Asking the question again"):
        return api.request("POST", api.session_path(session_id, "repeat-question"), json={"index": index})["question"]


def execute(
    args: argparse.Namespace,
    client: httpx.Client,
    console: Console,
    player: str | None = None,
) -> int:
    """:func:`practice` with every failure turned into a message and an exit status."""
    api = Api(client, args.api)
    try:
        return practice(args, api, console, player)
    except UsageError as exc:
        return _fail(console, str(exc), EXIT_USAGE, "usage_error")
    except Unreachable as exc:
        return _fail(console, str(exc), EXIT_UNREACHABLE, "unreachable")
    except ApiError as exc:
        return _fail(console, exc.message, EXIT_API, exc.code, exc.status)
    except KeyboardInterrupt:
        return _fail(console, "Interrupted.", EXIT_INTERRUPTED, "interrupted")


def _fail(console: Console, message: str, status: int, code: str, http_status: int = 0) -> int:
    console.event("error", code=code, message=message, status=http_status)
    console.note(f"Error: {message}")
    return status


def run(args: argparse.Namespace) -> int:
    """Entry point of ``interview-practice practice``."""
    console = Console(sys.stdout, sys.stderr, sys.stdin, args.json)
    player = None if args.no_audio or args.json else find_player()
    with httpx.Client(base_url=api_base(args.api), timeout=TIMEOUT) as client:
        return execute(args, client, console, player)


def api_base(url: str) -> str:
    """The base the routes hang under: the given URL, without the ``/api`` that ``make dev`` prints after it."""
    return url.rstrip("/").removesuffix("/api")


def _positive(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 30:
        raise argparse.ArgumentTypeError("must be 1 to 30")
    return number


def register(subparsers: Any) -> None:
    """Add the ``practice`` command to the ``interview-practice`` parser."""
    parser = subparsers.add_parser(
        "practice",
        help="Practice a whole interview in the terminal (typed answers or audio files)",
        description="Run an interview against the REST API: questions are printed (and played when an audio player "
        "is installed), answers are typed or taken from audio files, feedback follows each answer and a report "
        "ends the session.",
        epilog="Exit status: 0 done, 1 the server refused or failed, 2 bad arguments, 3 the API is unreachable.",
    )
    parser.add_argument(
        "--api",
        default=os.environ.get("INTERVIEW_PRACTICE_API", DEFAULT_API),
        help=f"the stack's URL: {DEFAULT_API} (or its /api), or a deployed stack's RestApiUrl output",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("INTERVIEW_PRACTICE_TOKEN"),
        help="Cognito ID token for a deployed API (default: $INTERVIEW_PRACTICE_TOKEN; not needed locally)",
    )
    parser.add_argument(
        "--user",
        default=os.environ.get("INTERVIEW_PRACTICE_USER", DEFAULT_USER),
        help=f"name to practice under on the local stack (default: $INTERVIEW_PRACTICE_USER or {DEFAULT_USER})",
    )
    parser.add_argument("--role", choices=sorted(ROLE_TITLES), default="software_engineer")
    parser.add_argument("--level", choices=get_args(Level), default="mid")
    parser.add_argument("--type", choices=get_args(InterviewType), default="mixed", help="interview type")
    parser.add_argument(
        "--mode",
        choices=get_args(Mode),
        default="evaluate",
        help="evaluate: feedback after every answer; collect: everything scored in the final report",
    )
    parser.add_argument(
        "--questions", type=_positive, default=None, help="number of questions (default 5, or one per answer file)"
    )
    parser.add_argument(
        "--answers-dir",
        help="answer with the audio files in DIR, one per planned question, in name order (follow-ups are skipped)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines (session, question, answer, report)")
    parser.add_argument("--no-audio", action="store_true", help="never play the questions' audio")
    parser.set_defaults(func=run)
