"""What the browser tests do on a page, by role and accessible name (as a keyboard or screen-reader user would)."""

import re
import shutil
import subprocess
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocket, expect

from local_stack.stack import LocalStack


@dataclass(frozen=True)
class SpokenAnswer:
    """The fake microphone's recording and how long it lasts."""

    path: Path
    seconds: float


def require(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (`make test` installs it)")


def spoken(folder: Path, text: str, voice: str = "en-us") -> SpokenAnswer:
    """``text`` spoken by espeak-ng as a microphone would record it: 48 kHz mono 16-bit WAV, silence around it."""
    require("espeak-ng")
    require("sox")
    raw, wav = folder / "raw.wav", folder / "answer.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "48000", "-c", "1", "-b", "16", str(wav), "pad", "0.5", "2"], check=True)
    with wave.open(str(wav)) as audio:
        return SpokenAnswer(wav, audio.getnframes() / audio.getframerate())


NAMELESS_CONTROLS = """() => {
  const named = (el) => {
    const byIds = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
      .map((id) => (document.getElementById(id) || {}).textContent || "").join(" ");
    const labels = el.labels ? [...el.labels].map((l) => l.textContent).join(" ") : "";
    const own = ["BUTTON", "A"].includes(el.tagName) ? el.textContent : "";
    return [el.getAttribute("aria-label"), byIds, labels, own].some((n) => n && n.trim());
  };
  return [...document.querySelectorAll("input, select, textarea, button, a[href], audio, [role=meter]")]
    .filter((el) => el.type !== "hidden" && !named(el))
    .map((el) => el.outerHTML.slice(0, 160));
}"""


def nameless_controls(page: Page) -> list[str]:
    """Every form control, button, link, audio player and meter without an accessible name."""
    return page.evaluate(NAMELESS_CONTROLS)


def tab_through(page: Page, presses: int) -> list[str]:
    """Press Tab ``presses`` times; what had focus after each press (id, else href, else text)."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return e.id || e.getAttribute('href') || e.textContent.trim().slice(0, 40); }"
            )
        )
    return seen


def focus_ring_width(page: Page) -> float:
    return page.evaluate("() => parseFloat(getComputedStyle(document.activeElement).outlineWidth) || 0")


def overflows_horizontally(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


CHART_TEXT = """(selector) => {
  const svg = document.querySelector(selector);
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll("text")].map((t) => {
    const r = t.getBoundingClientRect();
    const inside = r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5
      && r.bottom <= box.bottom + 0.5;
    return { text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale, inside };
  });
}"""


def chart_text(page: Page, selector: str) -> list[dict]:
    """Every text of the chart ``selector``: its size on screen in CSS pixels and whether it lies inside the chart."""
    return page.evaluate(CHART_TEXT, selector)


def set_up(page: Page, *, role: str, kind: str, questions: int, follow_ups: str, mode: str) -> None:
    """Fill the set-up form and start; returns once the first question is on screen."""
    page.get_by_label("Role").select_option(role)
    page.get_by_label("Interview type").select_option(kind)
    page.get_by_label("Number of questions").fill(str(questions))
    page.get_by_label("Follow-up questions per question").select_option(label=follow_ups)
    page.get_by_label(mode).check()
    page.get_by_role("button", name="Start interview").click()
    page.get_by_role("heading", name=re.compile(rf"^Question 1 of {questions}$")).wait_for(timeout=60_000)


def drop_websockets(stack: LocalStack) -> int:
    """Close every open WebSocket from the server side (API Gateway's DeleteConnection); returns how many."""
    dynamodb = stack.aws_client("dynamodb")
    management = stack.aws_client("apigatewaymanagementapi")
    dropped = 0
    for table in dynamodb.list_tables()["TableNames"]:
        items = dynamodb.scan(
            TableName=table,
            FilterExpression="begins_with(pk, :c)",
            ExpressionAttributeValues={":c": {"S": "CONN#"}},
        ).get("Items", [])
        for item in items:
            management.delete_connection(ConnectionId=item["pk"]["S"].removeprefix("CONN#"))
            dropped += 1
    return dropped


def record_websocket_frames(page: Page) -> list[str]:
    """Every WebSocket frame the page sends (>) and receives (<), cut to 200 characters, as it happens."""
    frames: list[str] = []
    started = time.monotonic()

    def watch(ws: WebSocket) -> None:
        def note(arrow: str, payload: str | bytes) -> None:
            frames.append(f"{time.monotonic() - started:7.2f} {arrow} {str(payload)[:200]}")

        ws.on("framesent", lambda payload: note(">", payload))
        ws.on("framereceived", lambda payload: note("<", payload))
        ws.on("close", lambda _: frames.append(f"{time.monotonic() - started:7.2f} closed"))

    page.on("websocket", watch)
    return frames


def shot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def answer_by_voice(page: Page, spoken: SpokenAnswer, *, while_recording=None) -> dict:
    """Record the fake microphone's whole answer, stop, and wait for the feedback; returns what was seen."""
    page.get_by_role("radio", name=re.compile("Speak")).check()
    page.get_by_role("button", name=re.compile("Start answering")).click()
    expect(page.get_by_role("button", name=re.compile("Stop and submit"))).to_be_focused()
    started = time.monotonic()
    if while_recording:
        page.wait_for_timeout(3500)
        while_recording()
    partial = ""
    deadline = started + spoken.seconds + 0.7
    while time.monotonic() < deadline:
        partial = partial or page.locator("#live-transcript").inner_text().strip()
        page.wait_for_timeout(250)
    page.get_by_role("button", name=re.compile("Stop and submit")).click()
    page.get_by_role("heading", name="Feedback on your answer").wait_for(timeout=120_000)
    return {"partial": partial, "heard": page.locator(".result-card .transcript-text").inner_text()}


def answer_by_typing(page: Page, text: str, *, then: str = "Feedback on your answer") -> None:
    """Type ``text`` as the answer, submit it, and wait for the result's heading ``then``."""
    page.get_by_role("radio", name=re.compile("Type")).check()
    page.get_by_label("Typed answer").fill(text)
    page.get_by_role("button", name="Submit answer").click()
    page.get_by_role("heading", name=then).wait_for(timeout=60_000)
