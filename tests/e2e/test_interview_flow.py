"""A whole interview in Chromium against the local stack: set-up, two spoken answers streamed over the WebSocket
(one across a dropped connection), one typed answer, the report with its charts, then history and deletion."""

import re
from pathlib import Path

import pytest
from browser_steps import (
    SpokenAnswer,
    answer_by_typing,
    answer_by_voice,
    chart_text,
    drop_websockets,
    focus_ring_width,
    nameless_controls,
    overflows_horizontally,
    record_websocket_frames,
    set_up,
    shot,
    tab_through,
)
from playwright.sync_api import Page, expect

from local_stack.stack import LocalStack

pytestmark = pytest.mark.slow
TYPED_ANSWER = (
    "When two teammates disagreed about an API design, I set up a short meeting, listed the trade-offs of each "
    "option, and we agreed to prototype both. The prototype showed one was twice as fast, so we chose it together."
)
SETUP_TAB_ORDER = [  # from the page's heading, which has focus on arrival
    "role",
    "level",
    "interview_type",
    "mode-evaluate",
    "num_questions",
    "max_follow_ups",
    "job_description",
    "resume",
    "custom_questions",
    "Start interview",
]


def check_feedback(page: Page) -> None:
    result = page.locator(".result-card")
    expect(result.locator(".score-badge")).to_contain_text("/10")
    bars = result.locator("svg.bar-chart rect.bar")
    assert bars.count() >= 2
    for value in bars.evaluate_all("rects => rects.map(r => Number(r.dataset.value))"):
        assert 1 <= value <= 10
    expect(result.get_by_role("heading", name=re.compile("Key points"))).to_be_visible()
    expect(result.get_by_role("heading", name="Outline of a stronger answer")).to_be_visible()


def test_whole_interview_by_voice_and_text(
    browser, stack: LocalStack, answer_wav: SpokenAnswer, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    frames = record_websocket_frames(page)
    try:
        run_interview(page, stack, answer_wav, artifacts)
    finally:
        (artifacts / "websocket-frames.log").write_text("\n".join(frames))
    assert errors == []
    context.close()


def run_interview(page: Page, stack: LocalStack, answer_wav: SpokenAnswer, artifacts: Path) -> None:
    page.goto(stack.http_url + "/")
    page.get_by_role("heading", name="Set up your practice interview").wait_for()

    assert nameless_controls(page) == []
    expect(page.get_by_role("heading", name="Set up your practice interview")).to_be_focused()
    assert tab_through(page, len(SETUP_TAB_ORDER)) == SETUP_TAB_ORDER
    page.locator("#role").focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#/history"
    page.keyboard.press("Tab")
    assert focus_ring_width(page) >= 2
    shot(page, artifacts, "01-setup")

    set_up(page, role="backend_engineer", kind="behavioral", questions=3, follow_ups="None", mode="Evaluate as I go")
    expect(page.locator("#question-text")).not_to_be_empty()
    meta = page.locator(".interview-head .meta")
    expect(meta).to_have_text("Backend Engineer · Mid-level · Behavioral · Evaluate as I go")
    expect(page.get_by_role("button", name=re.compile("Replay question"))).to_be_visible(timeout=20_000)
    assert nameless_controls(page) == []
    shot(page, artifacts, "02-question")

    first = answer_by_voice(page, answer_wav)
    assert "engineers" in first["heard"].lower(), first
    check_feedback(page)
    shot(page, artifacts, "03-feedback-voice")

    page.get_by_role("button", name="Next question").click()
    page.get_by_role("heading", name="Question 2 of 3").wait_for(timeout=60_000)

    def drop_connection() -> None:
        assert drop_websockets(stack) >= 1
        page.locator('.connection[data-state="reconnecting"]').wait_for(state="attached", timeout=5_000)
        expect(page.locator(".connection")).to_contain_text("Connection lost")
        page.locator('.connection[data-state="connected"]').wait_for(state="attached", timeout=15_000)

    second = answer_by_voice(page, answer_wav, while_recording=drop_connection)
    heard = second["heard"].lower()
    assert "engineers" in heard and "errors" in heard, second
    assert first["partial"] or second["partial"], "no partial transcript arrived while speaking"
    check_feedback(page)

    page.get_by_role("button", name="Next question").click()
    page.get_by_role("heading", name="Question 3 of 3").wait_for(timeout=60_000)
    answer_by_typing(page, "I would pick whichever one seemed best at the time.")
    page.get_by_role("button", name="↻ Answer question 3 again").click()  # after reading the feedback
    page.get_by_role("heading", name="Question 3 of 3 (attempt 2)").wait_for(timeout=30_000)
    page.reload()  # the page opened again still knows what the first attempt scored
    page.get_by_role("heading", name="Question 3 of 3 (attempt 2)").wait_for(timeout=30_000)
    answer_by_typing(page, TYPED_ANSWER)
    expect(page.locator(".result-card .transcript-text")).to_contain_text("prototype both")
    expect(page.locator(".result-card")).to_contain_text("Your previous attempt at this question scored")
    check_feedback(page)
    shot(page, artifacts, "04-feedback-typed")

    page.get_by_role("button", name="Finish and see report").click()
    page.get_by_role("heading", name="Your interview report").wait_for(timeout=120_000)
    report = page.locator("main")
    criteria = report.locator("svg.bar-chart").first.locator("rect.bar")
    values = criteria.evaluate_all("rects => rects.map(r => Number(r.dataset.value))")
    assert len(values) >= 3 and all(1 <= v <= 10 for v in values), values
    expect(report.locator("svg.radar-chart polygon.area")).to_have_count(1)
    assert report.locator("svg.radar-chart circle.dot").count() == len(values)
    rows = report.locator(".questions-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator(".answer-cell")).to_contain_text("engineers")
    expect(rows.nth(2).locator(".answer-cell")).to_contain_text("prototype both")
    expect(rows.nth(2).locator("td.num")).to_contain_text("attempt 2")
    expect(report.locator(".question-detail").nth(2)).to_contain_text("Attempt 2, shown here; the first scored")
    expect(report.locator(".question-detail audio")).to_have_count(2)
    expect(report.locator(".summary-audio audio")).to_have_count(1)
    expect(report.get_by_role("heading", name="Practice plan")).to_be_visible()
    overall = float(report.locator(".overview .score-value").inner_text())
    assert 1 <= overall <= 10
    assert nameless_controls(page) == []
    shot(page, artifacts, "05-report")
    page.emulate_media(media="print")
    shot(page, artifacts, "06-report-print")
    page.pdf(path=str(artifacts / "report.pdf"), format="A4", print_background=True)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 844})
    labels = chart_text(page, "svg.radar-chart")
    assert all(t["inside"] for t in labels) and min(t["px"] for t in labels) >= 12, labels
    assert not overflows_horizontally(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="History").first.click()
    page.get_by_role("heading", name="Your interviews").wait_for()
    dots = page.locator("svg.line-chart circle.dot")
    expect(dots).to_have_count(1)
    assert float(dots.first.get_attribute("data-value")) == pytest.approx(overall, abs=0.06)
    assert min(t["px"] for t in chart_text(page, "svg.line-chart")) >= 12
    shot(page, artifacts, "07-history")
    page.set_viewport_size({"width": 360, "height": 780})
    assert not overflows_horizontally(page)
    page.wait_for_function(  # the chart is drawn again for the new width
        "() => { const svg = document.querySelector('svg.line-chart');"
        " return Math.abs(svg.getBoundingClientRect().width - svg.viewBox.baseVal.width) < 1; }"
    )
    texts = chart_text(page, "svg.line-chart")
    assert all(t["inside"] for t in texts) and min(t["px"] for t in texts) >= 12, texts
    assert any(re.search(r"[A-Za-z]{3}", t["text"]) for t in texts), texts  # the date has the month in words
    shot(page, artifacts, "08-history-phone")

    session_rows = page.locator(".history-table tbody tr")
    before = session_rows.count()
    page.once("dialog", lambda dialog: dialog.accept())
    session_rows.first.get_by_role("button", name=re.compile("^Delete")).click()
    expect(session_rows).to_have_count(before - 1) if before > 1 else page.get_by_text("No interviews yet").wait_for()
