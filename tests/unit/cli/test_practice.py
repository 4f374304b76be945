"""The ``practice`` command against a scripted REST API (httpx.MockTransport): flow, output, errors, exit codes."""

import argparse
import io
import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from interview_practice import practice
from interview_practice.__main__ import main as entry_point

SESSION_ID = "a" * 32
DEV_TOKEN = "dev.token.for-candidate"
UPLOAD_URL = "http://s3.test/interview-practice-audio"


def question(index: int, total: int, text: str, follow_up: bool = False) -> dict[str, Any]:
    audio = {
        "audio_key": f"tts/{index}.ogg",
        "audio_url": f"http://s3.test/tts/{index}.ogg",
        "content_type": "audio/ogg",
        "duration_seconds": 2.5,
        "cached": False,
        "engine": "pyttsx3",
        "voice": "en",
    }
    return {
        "index": index,
        "total": total,
        "text": text,
        "type": "behavioral",
        "reason": "Matches the role",
        "is_follow_up": follow_up,
        "audio": audio,
    }


def evaluation(overall: float) -> dict[str, Any]:
    return {
        "overall": overall,
        "criteria": [
            {"criterion": "clarity", "score": 7.0, "evidence": ["Short, direct sentences"], "lowered_by": []},
            {"criterion": "star_structure", "score": 5.5, "evidence": [], "lowered_by": ["No result stated"]},
        ],
        "key_points": [
            {"key_point": "Explains the trade-off", "covered": True, "similarity": 0.71, "evidence": "We chose X."},
            {"key_point": "Measures the outcome", "covered": False, "similarity": 0.2, "evidence": None},
        ],
        "star": [],
        "signals": {},
        "engine": "offline",
    }


class ScriptedApi:
    """Answers the practice flow's requests like the gateway does, and records every request it got."""

    def __init__(
        self,
        total: int = 2,
        follow_up_on_first: bool = True,
        fail: dict[str, tuple[int, dict]] | None = None,
        dev_tokens: bool = True,
    ):
        self.dev_tokens = dev_tokens
        self.signed_in_as: str | None = None
        self.total = total
        self.follow_up_on_first = follow_up_on_first
        self.fail = fail or {}
        self.requests: list[httpx.Request] = []
        self.current = 0
        self.pending_follow_up = False
        self.answers = 0
        self.uploads: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        route = f"{request.method} {request.url.path}"
        if route == "POST /auth/dev-token" and self.dev_tokens:  # what the local stack answers
            self.signed_in_as = json.loads(request.content)["username"]
            return httpx.Response(200, json={"id_token": DEV_TOKEN, "token_type": "Bearer", "expires_in": 3600})
        self.requests.append(request)
        for pattern, (status, body) in self.fail.items():
            if route.endswith(pattern):
                return httpx.Response(status, json=body)
        base = f"/api/sessions/{SESSION_ID}"
        if route == "POST /api/sessions":
            config = json.loads(request.content)
            self.total = config["num_questions"]
            return httpx.Response(201, json={"session": {"session_id": SESSION_ID, "config": config}})
        if route == f"POST {base}/start":
            return httpx.Response(200, json={"session": {}, "question": question(0, self.total, "Tell me about X.")})
        if route == f"POST {base}/audio-upload":
            grant = {"audio_key": f"answers/anonymous/{SESSION_ID}/k{self.answers}.wav", "url": UPLOAD_URL}
            return httpx.Response(200, json={**grant, "fields": {"key": "k", "policy": "p"}, "max_bytes": 1000})
        if route == "POST /interview-practice-audio":
            self.uploads.append(request.content)
            return httpx.Response(204)
        if route == f"POST {base}/submit-answer":
            return self._answer(json.loads(request.content))
        if route == f"POST {base}/next-question":
            self.current += 1
            self.pending_follow_up = False
            if self.current >= self.total:
                return httpx.Response(200, json={"done": True, "question": None})
            return httpx.Response(200, json={"done": False, "question": question(self.current, self.total, "Next?")})
        if route == f"POST {base}/repeat-question":
            self.current = json.loads(request.content)["index"]
            self.pending_follow_up = False
            again = {**question(self.current, self.total, "Tell me about X."), "attempt": 2}
            return httpx.Response(200, json={"done": False, "question": again})
        if route == f"POST {base}/end":
            return httpx.Response(200, json={"report": self._report(), "summary_audio": None})
        if request.url.path.startswith("/tts/"):
            return httpx.Response(200, content=b"OggS-audio")
        return httpx.Response(404, json={"error": {"code": "not_found", "message": f"No such route: {route}"}})

    def _answer(self, body: dict[str, Any]) -> httpx.Response:
        self.answers += 1
        source = "audio" if body.get("audio_key") else "text"
        text = body.get("text") or "I led the migration and we cut latency by half."
        follow = self.follow_up_on_first and self.current == 0 and not self.pending_follow_up
        self.pending_follow_up = follow
        last = self.current >= self.total - 1
        result = {
            "answer": {
                "answer_id": body["client_answer_id"],
                "question_index": self.current,
                "text": text,
                "source": source,
            },
            "transcription": {"text": text, "delivery": {"words_per_minute": 142.0, "fillers_per_100_words": 1.5}}
            if source == "audio"
            else None,
            "evaluation": evaluation(6.4),
            "feedback": {
                "strengths": ["Clear ownership"],
                "improvements": ["State the result"],
                "improved_answer_outline": ["Situation", "Result"],
            },
            "follow_up": question(self.current, self.total, "What did you measure?", True) if follow else None,
            "next_action": "answer_follow_up" if follow else ("end" if last else "next_question"),
        }
        return httpx.Response(200, json=result)

    def _report(self) -> dict[str, Any]:
        return {
            "session_id": SESSION_ID,
            "role": "backend_engineer",
            "level": "mid",
            "overall": 6.4,
            "criteria": {"clarity": 7.0, "star_structure": 5.5},
            "questions": [
                {
                    "index": 0,
                    "question": "Tell me about X.",
                    "question_type": "behavioral",
                    "answer": "...",
                    "overall": 6.4,
                    "delivery": {"words_per_minute": 142.0, "fillers_per_100_words": 1.5},
                    "attempts": 2,
                    "earlier_overall": [4.1],
                    "answer_overall": 5.9,
                },
                {"index": 1, "question": "Next?", "question_type": "behavioral", "answer": "", "overall": None},
            ],
            "strengths": ["Clear ownership"],
            "improvements": ["State the result"],
            "practice_plan": [{"focus": "STAR", "why": "Results were missing.", "exercise": "Retell with a number."}],
            "summary_text": "A solid start; end each story with its result.",
            "answered": self.answers,
            "asked": self.total,
        }

    def routes(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    practice.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["practice", *argv])


def run(api: ScriptedApi, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = parse(*argv)
    console = practice.Console(out, err, io.StringIO(stdin), args.json)
    with httpx.Client(base_url=args.api, transport=httpx.MockTransport(api)) as client:
        status = practice.execute(args, client, console)
    return status, out.getvalue(), err.getvalue()


def test_defaults_and_choices() -> None:
    args = parse()
    assert (args.api, args.role, args.level, args.type, args.mode) == (
        "http://127.0.0.1:8000",
        "software_engineer",
        "mid",
        "mixed",
        "evaluate",
    )
    assert args.func is practice.run
    with pytest.raises(SystemExit):
        parse("--role", "astronaut")
    with pytest.raises(SystemExit):
        parse("--questions", "31")


def test_typed_interview_with_a_follow_up_ends_with_the_report() -> None:
    api = ScriptedApi()
    answers = "I owned the rollout.\nIt went well.\n\nWe measured p99 latency.\n\nMy second answer.\n\n"
    status, out, err = run(api, ["--role", "backend_engineer", "--questions", "2"], stdin=answers)

    assert status == practice.EXIT_OK, err
    base = f"/api/sessions/{SESSION_ID}"
    assert api.routes() == [
        "POST /api/sessions",
        f"POST {base}/start",
        f"POST {base}/submit-answer",
        f"POST {base}/submit-answer",
        f"POST {base}/next-question",
        f"POST {base}/submit-answer",
        f"POST {base}/end",
    ]
    created = json.loads(api.requests[0].content)
    assert created == {
        "role": "backend_engineer",
        "level": "mid",
        "interview_type": "mixed",
        "mode": "evaluate",
        "num_questions": 2,
    }
    first = json.loads(api.requests[2].content)
    assert first["text"] == "I owned the rollout.\nIt went well."
    assert len(first["client_answer_id"]) == 32
    assert "== Follow-up (behavioral) ==" in out and "What did you measure?" in out
    assert "Score: 6.4/10" in out
    assert "Key points covered: 1 of 2" in out and '[x] Explains the trade-off - "We chose X."' in out
    assert "Clarity" in out and "Short, direct sentences" in out
    assert "== Report ==" in out and "Overall: 6.4/10" in out
    report_table = out[out.index("== Report ==") :]
    assert "# | Question" in report_table and "142" in report_table
    assert "1. STAR: Results were missing. Exercise: Retell with a number." in out


def test_answers_dir_uploads_each_file_then_submits_its_key(tmp_path: Path) -> None:
    (tmp_path / "02-second.wav").write_bytes(b"RIFF-two")
    (tmp_path / "01-first.webm").write_bytes(b"webm-one")
    (tmp_path / "notes.txt").write_text("ignored")
    api = ScriptedApi()
    status, out, err = run(api, ["--answers-dir", str(tmp_path), "--mode", "collect"])

    assert status == practice.EXIT_OK, err
    assert json.loads(api.requests[0].content)["num_questions"] == 2
    grants = [json.loads(r.content) for r in api.requests if r.url.path.endswith("/audio-upload")]
    assert grants == [{"content_type": "audio/webm"}, {"content_type": "audio/wav"}]
    assert b"webm-one" in api.uploads[0] and b"RIFF-two" in api.uploads[1]
    assert b'name="policy"' in api.uploads[0] and b'name="file"' in api.uploads[0]
    submitted = [json.loads(r.content) for r in api.requests if r.url.path.endswith("/submit-answer")]
    assert [s["audio_key"] for s in submitted] == [
        f"answers/anonymous/{SESSION_ID}/k0.wav",
        f"answers/anonymous/{SESSION_ID}/k1.wav",
    ]
    assert "Follow-up skipped" in out
    assert "What we heard:" in out and "142 words/min" in out
    assert "Answer saved; it is scored in the report at the end." in out
    assert "Score: 6.4/10" not in out


def test_json_lines_are_machine_readable() -> None:
    api = ScriptedApi(follow_up_on_first=False)
    status, out, _ = run(api, ["--json", "--questions", "2"], stdin="First.\n\nSecond.\n\n")

    assert status == practice.EXIT_OK
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["event"] for e in events] == ["session", "question", "answer", "question", "answer", "report"]
    assert events[0]["session_id"] == SESSION_ID
    assert events[2]["result"]["evaluation"]["overall"] == 6.4
    assert events[-1]["report"]["answered"] == 2


def test_skip_and_end_commands() -> None:
    api = ScriptedApi(total=3, follow_up_on_first=False)
    status, out, _ = run(api, ["--questions", "3"], stdin="/skip\n/end\n")

    assert status == practice.EXIT_OK
    assert [r.split("/")[-1] for r in api.routes()] == ["sessions", "start", "next-question", "end"]
    assert "Answered 0 of 3 questions." in out


def test_again_answers_the_last_question_once_more() -> None:
    api = ScriptedApi(total=2, follow_up_on_first=False)
    stdin = "/again\nFirst try.\n\n/again\nA better answer.\n\n/skip\n"
    status, out, _ = run(api, ["--questions", "2"], stdin=stdin)

    assert status == practice.EXIT_OK
    assert [r.split("/")[-1] for r in api.routes()] == [
        "sessions",
        "start",
        "submit-answer",
        "next-question",
        "repeat-question",
        "submit-answer",
        "next-question",
        "next-question",
        "end",
    ]
    assert "Nothing answered yet" in out and "Question 1 of 2, attempt 2" in out
    assert json.loads(api.requests[4].content) == {"index": 0}
    assert json.loads(api.requests[7].content) == {"from_index": 1}  # the skip moves on from question 2 only
    assert "6.4 (attempt 2; before: 4.1; answer alone: 5.9)" in out


def test_end_of_input_ends_the_interview() -> None:
    api = ScriptedApi(follow_up_on_first=False)
    status, _, _ = run(api, [], stdin="")
    assert status == practice.EXIT_OK
    assert api.routes()[-1].endswith("/end")


def test_server_error_message_is_shown_with_exit_status_1() -> None:
    error = {"error": {"code": "validation_error", "message": "Invalid request: num_questions: too many"}}
    api = ScriptedApi(fail={"/api/sessions": (422, error)})
    status, out, err = run(api, [])
    assert status == practice.EXIT_API
    assert "Error: Invalid request: num_questions: too many" in err
    assert "Traceback" not in err and out == ""


def test_server_error_in_json_mode_is_an_error_event() -> None:
    error = {"error": {"code": "downstream_unavailable", "message": "The service is busy; please try again shortly."}}
    api = ScriptedApi(fail={"/submit-answer": (503, error)})
    status, out, _ = run(api, ["--json"], stdin="An answer.\n\n")
    assert status == practice.EXIT_API
    last = json.loads(out.splitlines()[-1])
    assert last == {
        "event": "error",
        "code": "downstream_unavailable",
        "message": error["error"]["message"],
        "status": 503,
    }


def test_error_without_json_body_still_reads_well() -> None:
    api = ScriptedApi()
    api.fail = {"/start": (502, {})}
    status, _, err = run(api, [])
    assert status == practice.EXIT_API
    assert "Error: The server answered HTTP 502." in err


def test_empty_answers_dir_is_a_usage_error(tmp_path: Path) -> None:
    api = ScriptedApi()
    status, _, err = run(api, ["--answers-dir", str(tmp_path)])
    assert status == practice.EXIT_USAGE
    assert "No audio files" in err
    assert api.requests == []


def test_too_large_answer_file_is_refused_before_upload(tmp_path: Path) -> None:
    (tmp_path / "a.wav").write_bytes(b"x" * 2000)
    api = ScriptedApi()
    status, _, err = run(api, ["--answers-dir", str(tmp_path)])
    assert status == practice.EXIT_USAGE
    assert "the limit is" in err
    assert api.uploads == []


def test_connection_refused_gives_a_clear_message_and_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Through the console script's entry point, as a user runs it.
    status = entry_point(["practice", "--api", f"http://127.0.0.1:{port}", "--no-audio"])
    assert status == practice.EXIT_UNREACHABLE
    err = capsys.readouterr().err
    assert f"Cannot reach the API at http://127.0.0.1:{port}" in err and "make dev" in err


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://127.0.0.1:8000/", "http://127.0.0.1:8000/api/"])
def test_the_api_url_may_be_the_stack_or_its_rest_api(url: str) -> None:
    assert practice.api_base(url) == "http://127.0.0.1:8000"
    assert practice.api_base("https://abc.execute-api.eu-west-1.amazonaws.com/prod") == (
        "https://abc.execute-api.eu-west-1.amazonaws.com/prod"
    )


def test_question_audio_is_played_with_the_player_found(monkeypatch: pytest.MonkeyPatch) -> None:
    played: list[tuple[list[str], bytes]] = []

    def fake_run(command: list[str], **_: Any) -> None:
        played.append((command, Path(command[-1]).read_bytes()))

    monkeypatch.setattr(practice.subprocess, "run", fake_run)
    api = ScriptedApi(total=1, follow_up_on_first=False)
    out, err = io.StringIO(), io.StringIO()
    args = parse("--questions", "1")
    console = practice.Console(out, err, io.StringIO("Answer.\n\n"), False)
    with httpx.Client(base_url=args.api, transport=httpx.MockTransport(api)) as client:
        assert practice.execute(args, client, console, player="ffplay") == practice.EXIT_OK
    assert len(played) == 1
    command, data = played[0]
    assert command[:4] == ["ffplay", "-nodisp", "-autoexit", "-loglevel"]
    assert data == b"OggS-audio"


def test_no_player_is_found_on_an_empty_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert practice.find_player() is None


def test_table_wraps_long_cells_within_the_width() -> None:
    text = practice.table(["#", "Question"], [["1", "word " * 40]], width=50)
    lines = text.splitlines()
    assert lines[0].startswith("# | Question")
    assert all(len(line) <= 50 for line in lines)
    assert len(lines) > 3


def test_signs_in_locally_and_sends_the_token_to_the_api_only(tmp_path: Path) -> None:
    (tmp_path / "01.wav").write_bytes(b"RIFF-one")
    api = ScriptedApi(follow_up_on_first=False)
    status, _, err = run(api, ["--answers-dir", str(tmp_path), "--user", "ada"])
    assert status == practice.EXIT_OK, err
    assert api.signed_in_as == "ada"
    to_api = [r for r in api.requests if r.url.path.startswith("/api/")]
    assert to_api and all(r.headers["authorization"] == f"Bearer {DEV_TOKEN}" for r in to_api)
    to_storage = [r for r in api.requests if not r.url.path.startswith("/api/")]
    assert to_storage and all("authorization" not in r.headers for r in to_storage)


def test_a_given_token_is_used_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    api = ScriptedApi(follow_up_on_first=False)
    status, _, _ = run(api, ["--token", "cognito.id.token"])
    assert status == practice.EXIT_OK and api.signed_in_as is None
    assert {r.headers["authorization"] for r in api.requests} == {"Bearer cognito.id.token"}
    monkeypatch.setenv("INTERVIEW_PRACTICE_TOKEN", "from.the.environment")
    assert parse().token == "from.the.environment"


def test_an_api_that_issues_no_dev_tokens_asks_for_one() -> None:
    api = ScriptedApi(dev_tokens=False)
    status, _, err = run(api, [])
    assert status == practice.EXIT_API
    assert "--token" in err and "INTERVIEW_PRACTICE_TOKEN" in err
    assert api.routes() == ["POST /auth/dev-token"]  # nothing else was tried
