"""An answer spoken in another language than the interview's, in Chromium: the candidate is told, in the result and
in the report, that its transcript and score are probably wrong."""

import re

import pytest
from browser_steps import SpokenAnswer, answer_by_voice, set_up, spoken
from playwright.sync_api import expect

from local_stack.stack import LocalStack

pytestmark = pytest.mark.slow
FRENCH = "Dans mon dernier poste, j'ai dirigé une petite équipe qui devait livrer un nouveau service en trois mois."


@pytest.fixture(scope="module")
def microphone(tmp_path_factory: pytest.TempPathFactory) -> SpokenAnswer:
    return spoken(tmp_path_factory.mktemp("french"), FRENCH, voice="fr")


def test_an_answer_in_french_to_an_english_interview_is_flagged(browser, stack: LocalStack, microphone) -> None:
    page = browser.new_page()
    page.goto(stack.http_url + "/")
    set_up(page, role="backend_engineer", kind="behavioral", questions=1, follow_ups="None", mode="Evaluate as I go")
    answer_by_voice(page, microphone)
    warning = page.locator(".result-card .language-warning")
    # Whisper names the language when it is sure enough (the uploaded clip's integration test checks "French").
    expect(warning).to_contain_text(re.compile(r"This interview is in English, but this answer (sounded like|did not)"))
    said = warning.inner_text()
    page.get_by_role("button", name="Finish and see report").click()
    page.get_by_role("heading", name="Your interview report").wait_for(timeout=120_000)
    expect(page.locator(".question-detail .language-warning")).to_have_text(said)
    page.close()
