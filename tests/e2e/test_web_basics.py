"""The web app at phone width, its error messages, and its streaming bookkeeping, in Chromium."""

import re
from pathlib import Path

import pytest
from browser_steps import (
    answer_by_typing,
    nameless_controls,
    overflows_horizontally,
    record_websocket_frames,
    set_up,
    shot,
)
from playwright.sync_api import expect

from local_stack.stack import LocalStack

pytestmark = pytest.mark.slow
BLOCK_FIRST_AUTOPLAY = """(() => {
  const play = HTMLMediaElement.prototype.play;
  let blocked = false;
  HTMLMediaElement.prototype.play = function () {
    if (blocked) return play.call(this);
    blocked = true;
    return Promise.reject(new DOMException("play() needs a user gesture", "NotAllowedError"));
  };
})();"""
VAGUE_CHANGE = "We had a slow release process, so we changed it. We moved to smaller releases and we were happier."
LEAD_TIME_STORY = (
    "I measured our lead time, which was nine days, and I proposed weekly releases behind feature flags. I wrote the "
    "rollout plan, I paired with each engineer on their first flagged change, and after two months our lead time was "
    "three days and failed deployments fell from six a month to one."
)
DENY_MICROPHONE = """navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));"""


def test_phone_width_resume_and_microphone_errors(browser, stack: LocalStack, artifacts: Path) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.add_init_script(DENY_MICROPHONE)
    page.add_init_script(BLOCK_FIRST_AUTOPLAY)
    page.goto(stack.http_url + "/")
    page.get_by_role("heading", name="Set up your practice interview").wait_for()
    assert not overflows_horizontally(page)

    resume = page.get_by_label(re.compile("^Resume"))
    resume.set_input_files(files=[{"name": "resume.txt", "mimeType": "text/plain", "buffer": b"Jane Doe, engineer"}])
    expect(page.locator("#resume-status")).to_have_text("“resume.txt” is not a PDF. Choose a PDF file of your resume.")
    big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    resume.set_input_files(files=[{"name": "cv.pdf", "mimeType": "application/pdf", "buffer": big}])
    expect(page.locator("#resume-status")).to_have_text("“cv.pdf” is 5.0 MB; the limit is 5 MB.")
    fake = b"<html>not a pdf</html>"
    resume.set_input_files(files=[{"name": "cv.pdf", "mimeType": "application/pdf", "buffer": fake}])
    expect(page.locator("#resume-status")).to_have_text("“cv.pdf” is not a valid PDF file.")
    page.get_by_label("Your own questions (optional)").fill("Why?")
    page.get_by_role("button", name="Start interview").click()
    expect(page.get_by_role("alert").filter(has_text="line 1")).to_have_text(
        "Your question on line 1 must be 10 to 600 characters long."
    )
    expect(page.get_by_label("Your own questions (optional)")).to_be_focused()
    shot(page, artifacts, "10-setup-phone-errors")

    page.get_by_label("Your own questions (optional)").fill("Tell me about a time you changed your mind.")
    follow_ups = page.get_by_label("Follow-up questions per question")
    page.locator("#mode-collect-help").tap()  # the explanation under a choice picks it too
    expect(page.get_by_label("Collect, then evaluate")).to_be_checked()
    expect(follow_ups).to_be_disabled()  # collect mode asks none: follow-ups come from feedback on each answer
    page.get_by_label("Evaluate as I go").check()
    expect(follow_ups).to_be_enabled()
    set_up(
        page, role="product_manager", kind="behavioral", questions=1, follow_ups="None", mode="Collect, then evaluate"
    )
    expect(page.locator("#question-text")).to_have_text("Tell me about a time you changed your mind.")
    expect(page.get_by_text("Your browser blocked autoplay.")).to_be_visible()
    page.get_by_role("button", name=re.compile("Play question")).click()
    expect(page.get_by_role("button", name=re.compile("Replay question"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Play question"))).to_be_hidden()
    page.get_by_role("radio", name=re.compile("Speak")).check()
    page.get_by_role("button", name=re.compile("Start answering")).click()
    expect(page.locator(".mic-error")).to_contain_text(
        "Allow microphone access in your browser's address bar, or type your answer instead."
    )
    page.get_by_role("button", name="Type my answer instead").click()
    expect(page.get_by_label("Typed answer")).to_be_focused()
    assert not overflows_horizontally(page)
    assert nameless_controls(page) == []
    shot(page, artifacts, "11-interview-phone-microphone-denied")

    answer_by_typing(
        page, "I changed my mind about a launch date after reading the support tickets.", then="Answer saved"
    )
    page.get_by_role("button", name="Finish and see report").click()
    page.get_by_role("heading", name="Your interview report").wait_for(timeout=120_000)
    assert not overflows_horizontally(page)
    shot(page, artifacts, "12-report-phone")
    context.close()


def test_server_errors_are_shown_in_words(browser, stack: LocalStack) -> None:
    page = browser.new_page()
    page.goto(f"{stack.http_url}/#/report/{'0' * 32}")
    expect(page.get_by_role("heading", name="The report could not be opened")).to_be_visible()
    message = page.locator("main .error-text").inner_text()
    assert message and "{" not in message and "Traceback" not in message
    page.close()


STREAM_CHECK = """async () => {
  const { AnswerStream } = await import("/js/stream.js");
  const sent = [];
  const socket = { up: true, send(m) { if (this.up) sent.push(m); return this.up; } };
  const stream = new AnswerStream(socket, "audio/webm");
  stream.push(new Uint8Array(45000));
  const first = sent.map((m) => [m.action, m.seq, m.content_type || null, atob(m.data).length]);
  stream.ack({ seq: 0, next_seq: 1 });
  socket.up = false;
  stream.push(new Uint8Array(100));
  stream.finish();
  socket.up = true;
  sent.length = 0;
  stream.resume({ answer_id: stream.id, next_seq: 2, missing: [1] });
  const resumed = sent.map((m) => [m.action, m.action === "end_answer" ? m.last_seq : m.seq]);
  sent.length = 0;
  stream.resend([2]);
  const resent = sent.map((m) => [m.action, m.action === "end_answer" ? m.last_seq : m.seq]);

  const calm = new AnswerStream(socket, "audio/ogg");
  calm.push(new Uint8Array(30000));
  sent.length = 0;
  calm.finish(60000);
  const beforeAcks = sent.length;
  calm.ack({ seq: 1, next_seq: 2 });
  const afterAcks = sent.map((m) => [m.action, m.last_seq]);
  return { first, resumed, resent, unacked: stream.unacked(), id: stream.id, beforeAcks, afterAcks };
}"""


def test_answer_stream_resends_what_the_server_lacks(browser, stack: LocalStack) -> None:
    page = browser.new_page()
    page.goto(stack.http_url + "/")
    result = page.evaluate(STREAM_CHECK)
    assert result["first"] == [
        ["audio_chunk", 0, "audio/webm", 20000],
        ["audio_chunk", 1, None, 20000],
        ["audio_chunk", 2, None, 5000],
    ]
    assert result["resumed"] == [["audio_chunk", 1], ["audio_chunk", 2], ["audio_chunk", 3], ["end_answer", 3]]
    assert result["resent"] == [["audio_chunk", 2], ["end_answer", 3]]
    assert result["unacked"] == [1, 2, 3]
    assert result["beforeAcks"] == 0, "end_answer must wait until every chunk is acknowledged"
    assert result["afterAcks"] == [["end_answer", 1]]
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", result["id"])
    page.close()


def test_start_over_drops_the_recording_and_skip_leaves_a_question_unanswered(
    browser, stack: LocalStack, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    frames = record_websocket_frames(page)
    page.goto(stack.http_url + "/")
    set_up(page, role="backend_engineer", kind="behavioral", questions=2, follow_ups="None", mode="Collect")
    session_id = page.evaluate("() => location.hash.split('/').pop()")

    page.get_by_role("radio", name=re.compile("Speak")).check()
    page.get_by_role("button", name=re.compile("Start answering")).click()
    expect(page.get_by_role("button", name=re.compile("Skip"))).to_be_hidden()
    page.wait_for_function("() => document.querySelector('.meter').getAttribute('aria-valuenow') !== '0'")
    page.wait_for_timeout(3000)  # three one-second chunks reach the server
    page.get_by_role("link", name="History").click()  # asks before leaving; dismissed: the recording goes on
    expect(page).to_have_url(re.compile(r"#/interview/"))
    expect(page.get_by_role("button", name=re.compile("Start over"))).to_be_visible()
    page.get_by_role("button", name=re.compile("Start over")).click()
    expect(page.get_by_text("Recording discarded")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Start answering"))).to_be_focused()
    deadline = 50
    while not any('"discarded"' in f for f in frames) and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    sent = [f for f in frames if '"audio_chunk"' in f]
    assert sent and any('"discard_answer"' in f for f in frames) and deadline, frames
    shot(page, artifacts, "13-started-over")
    s3 = stack.aws_client("s3")  # the chunks that reached the server are gone
    for bucket in s3.list_buckets()["Buckets"]:
        streamed = s3.list_objects_v2(Bucket=bucket["Name"], Prefix="streams/").get("Contents", [])
        assert not [o["Key"] for o in streamed if session_id in o["Key"]]

    page.get_by_role("button", name="Skip this question").click()
    page.get_by_role("heading", name="Question 2 of 2").wait_for(timeout=30_000)
    expect(page.get_by_role("button", name=re.compile("Skip"))).to_be_hidden()  # last question: "End interview"
    answer_by_typing(
        page,
        "I split a slow nightly batch job into parallel steps and cut its run time from six hours to two.",
        then="Answer saved",
    )
    page.get_by_role("button", name="↻ Answer question 2 again").click()  # collect mode too: the latest one counts
    page.get_by_role("heading", name="Question 2 of 2 (attempt 2)").wait_for(timeout=30_000)
    answer_by_typing(
        page,
        "I split our slow nightly batch job into six parallel steps, measured each one, and cut the whole run from "
        "six hours to two, so the reports were ready before the team started work.",
        then="Answer saved",
    )
    page.get_by_role("button", name="Finish and see report").click()
    page.get_by_role("heading", name="Your interview report").wait_for(timeout=120_000)
    expect(page.get_by_text("1 of 2 questions answered")).to_be_visible()
    rows = page.locator(".questions-table tbody tr")
    expect(rows.nth(0).locator(".answer-cell")).to_have_text("Not answered")
    expect(rows.nth(1).locator(".answer-cell")).to_contain_text("six parallel steps")
    expect(rows.nth(1).locator("td.num")).to_contain_text("attempt 2")
    assert errors == []
    page.close()


def test_a_typed_answer_the_socket_loses_is_sent_over_rest_once(browser, stack: LocalStack) -> None:
    page = browser.new_page()
    swallowed: list[str] = []

    def lose_typed_answers(ws) -> None:  # the page's socket stays up, but its typed answers never arrive
        server = ws.connect_to_server()
        ws.on_message(lambda message: swallowed.append(message) if '"text_answer"' in message else server.send(message))

    page.route_web_socket(re.compile(r"^wss?://"), lose_typed_answers)
    page.goto(stack.http_url + "/")
    set_up(page, role="data_analyst", kind="technical", questions=2, follow_ups="None", mode="Evaluate as I go")
    session_id = page.evaluate("() => location.hash.split('/').pop()")
    expect(page.locator('.connection[data-state="connected"]')).to_be_attached(timeout=15_000)
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.post_data or "") if r.url.endswith("/submit-answer") else None)
    answer_by_typing(
        page,
        "An inner join keeps only the rows that match in both tables; a left join keeps every row of the left table "
        "and fills the missing columns of the right one with nulls.",
    )
    expect(page.locator(".result-card .transcript-text")).to_contain_text("left join keeps every row")
    assert len(swallowed) == 1, swallowed
    sent_id = re.search(r'"answer_id":"([^"]+)"', swallowed[0].replace(" ", ""))
    dynamodb = stack.aws_client("dynamodb")
    stored = [
        item["sk"]["S"]
        for table in dynamodb.list_tables()["TableNames"]
        for item in dynamodb.scan(
            TableName=table,
            FilterExpression="pk = :pk AND begins_with(sk, :answer)",
            ExpressionAttributeValues={":pk": {"S": f"SESSION#{session_id}"}, ":answer": {"S": "ANSWER#"}},
        ).get("Items", [])
    ]
    assert sent_id and len(posted) == 1 and sent_id.group(1) in posted[0], posted  # sent again over REST, same id
    assert stored == [f"ANSWER#000#00#{sent_id.group(1)}"], (stored, swallowed)  # and stored once
    page.close()


def test_a_follow_up_is_asked_answered_and_folded_into_its_question(
    browser, stack: LocalStack, artifacts: Path
) -> None:
    page = browser.new_page()
    page.goto(stack.http_url + "/")
    page.get_by_label("Your own questions (optional)").fill("Tell me about a time you changed how your team worked.")
    set_up(page, role="backend_engineer", kind="behavioral", questions=1, follow_ups="Up to 1", mode="Evaluate as I go")
    expect(page.locator("#question-text")).to_have_text("Tell me about a time you changed how your team worked.")

    def answer_with_follow_up(previous_score: str | None = None) -> str:
        """Answer vaguely, then answer the follow-up it brings with the story; returns the vague answer's score."""
        answer_by_typing(page, VAGUE_CHANGE)
        if previous_score:  # what the last attempt's answer scored, though the last result shown was its follow-up's
            expect(page.locator(".result-card")).to_contain_text(
                f"Your previous attempt at this question scored {previous_score}."
            )
        expect(page.locator(".result-card .follow-up")).to_contain_text("you")  # what did *you* do
        score = page.locator(".result-card .score-value").first.inner_text()
        if previous_score is None:  # opened again while the result is on screen: it is shown again, follow-up too
            page.reload()
            expect(page.locator(".result-card .transcript-text")).to_have_text(VAGUE_CHANGE)
            expect(page.locator(".result-card .score-value").first).to_have_text(score)
        page.get_by_role("button", name="Answer the follow-up").click()
        page.get_by_role("heading", name="Follow-up to question 1 of 1").wait_for(timeout=30_000)
        answer_by_typing(page, LEAD_TIME_STORY)
        return score

    first_score = answer_with_follow_up()
    page.get_by_role("button", name="↻ Answer question 1 again").click()
    page.get_by_role("heading", name="Question 1 of 1 (attempt 2)").wait_for(timeout=30_000)
    answer_with_follow_up(previous_score=first_score)
    page.get_by_role("button", name="Finish and see report").click()
    page.get_by_role("heading", name="Your interview report").wait_for(timeout=120_000)
    card = page.locator(".question-detail").first
    expect(card.locator(".follow-ups")).to_contain_text("nine days")
    expect(card.locator(".follow-ups .score-value")).to_have_count(1)
    expect(card).to_contain_text("your follow-up answer raised the question to")
    expect(card).to_contain_text(f"Attempt 2, shown here; the first scored {first_score}.")
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(artifacts / "14-report-follow-up.png"))
    page.close()


def test_a_result_whose_push_is_lost_is_read_from_the_session(browser, stack: LocalStack) -> None:
    """API Gateway refuses the answer's result push (the server logs PushFailed and goes on): the page, hearing
    nothing more about the answer, finds it recorded in the stored session."""
    page = browser.new_page()
    dropped: list[str] = []

    def lose_results(ws) -> None:
        server = ws.connect_to_server()
        server.on_message(lambda message: dropped.append(message) if '"answer_result"' in message else ws.send(message))

    page.route_web_socket(re.compile(r"^wss?://"), lose_results)
    page.goto(stack.http_url + "/")
    set_up(page, role="data_analyst", kind="technical", questions=2, follow_ups="None", mode="Evaluate as I go")
    expect(page.locator('.connection[data-state="connected"]')).to_be_attached(timeout=15_000)
    answer_by_typing(
        page,
        "A window function computes a value over related rows without collapsing them, so a running total keeps "
        "every row, while GROUP BY returns one row per group.",
    )
    expect(page.locator(".result-card .transcript-text")).to_contain_text("running total keeps every row")
    expect(page.locator(".result-card .score-badge")).to_contain_text("/10")
    assert len(dropped) == 1, dropped
    page.close()


def test_at_phone_size_a_refused_answer_is_told_in_view_and_a_typed_draft_survives_a_reload(
    browser, stack: LocalStack
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True)
    page.route_web_socket(re.compile(r"^wss?://"), lambda ws: None)  # a socket that never joins: answers go by REST
    page.goto(stack.http_url + "/")
    set_up(page, role="backend_engineer", kind="technical", questions=1, follow_ups="None", mode="Evaluate as I go")
    page.get_by_role("radio", name=re.compile("Type")).check()
    draft = "A cache keeps hot reads close to the service; its entries need an expiry so they do not go stale."
    page.get_by_label("Typed answer").fill(draft)
    page.reload()  # or the phone discards the tab
    page.get_by_role("heading", name="Question 1 of 1").wait_for(timeout=30_000)
    page.get_by_role("radio", name=re.compile("Type")).check()
    expect(page.get_by_label("Typed answer")).to_have_value(draft)

    refusal = {"error": {"code": "bad_request", "message": "The answer could not be read; please try again."}}
    page.route("**/submit-answer", lambda route: route.fulfill(status=400, json=refusal))
    page.mouse.wheel(0, 2000)  # the submit button is far below the page's top on a phone
    page.get_by_role("button", name="Submit answer").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("could not be read")
    expect(alert).to_be_focused()  # not dropped to the page with the disabled button
    expect(alert).to_be_in_viewport()  # sticky at the top, wherever the page was scrolled
    targets = [alert.get_by_role("button", name="Dismiss"), page.get_by_role("link", name="History")]
    assert all(t.bounding_box()["height"] >= 44 for t in targets)  # a finger's size on a touch screen
    alert.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_label("Typed answer")).to_be_focused()
    expect(page.get_by_label("Typed answer")).to_have_value(draft)  # nothing typed is lost
    page.close()


def test_a_result_on_screen_is_shown_again_after_a_reload_and_the_interview_goes_on(browser, stack: LocalStack) -> None:
    page = browser.new_page()
    page.goto(stack.http_url + "/")
    set_up(page, role="data_analyst", kind="technical", questions=3, follow_ups="None", mode="Evaluate as I go")
    answer_by_typing(page, "A left join keeps every row of the left table; an inner join keeps only matching rows.")
    page.reload()  # the server has moved on to question 2 over the WebSocket: the page still shows the result
    page.get_by_role("heading", name="Feedback on your answer").wait_for(timeout=30_000)
    expect(page.locator(".result-card .transcript-text")).to_contain_text("left join keeps every row")
    expect(page.get_by_role("heading", name=re.compile("^Question 1 of 3"))).to_be_visible()
    page.get_by_role("button", name="Next question").click()
    page.get_by_role("heading", name="Question 2 of 3").wait_for(timeout=30_000)
    page.reload()  # a question on screen is a question again
    page.get_by_role("heading", name="Question 2 of 3").wait_for(timeout=30_000)
    page.on("dialog", lambda dialog: dialog.accept())
    failed: list[str] = []

    def fail_once(route) -> None:  # the first request to end fails
        if failed:
            route.continue_()
            return
        failed.append(route.request.url)
        refusal = {"error": {"code": "downstream_error", "message": "The report could not be written; try again."}}
        route.fulfill(status=502, json=refusal)

    page.route("**/end", fail_once)
    page.get_by_role("button", name="End interview").click()
    expect(page.get_by_text("The report could not be written; try again.")).to_be_visible()
    expect(page.get_by_role("button", name="Try again")).to_be_focused()  # not dropped to the page
    expect(page.get_by_role("button", name=re.compile("Skip"))).to_be_hidden()  # nothing left to skip
    page.get_by_role("button", name="Try again").click()
    page.get_by_role("heading", name="Your interview report").wait_for(timeout=120_000)
    expect(page.get_by_text("1 of 3 questions answered (ended after question 2)")).to_be_visible()
    page.close()
