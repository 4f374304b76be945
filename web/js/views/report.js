// The report: overall and per-criterion scores as charts, every question with its transcript, recording and
// feedback, delivery figures, a practice plan, the spoken summary, and a print-ready page (Save as PDF).

import { api } from "../api.js";
import { barChart, radarChart } from "../charts.js";
import { h, replace } from "../dom.js";
import { criterionTitle, date, fixed, LEVELS, roleTitle, score } from "../format.js";
import { endResult, recordingUrl } from "../state.js";
import { deliveryList, languageWarning, outline, scoreBadge } from "./feedback.js";

function section(title, ...content) {
  return h("section", { class: "card report-section" }, h("h2", null, title), ...content);
}

function bullets(items) {
  return items && items.length
    ? h(
        "ul",
        null,
        items.map((t) => h("li", null, t)),
      )
    : h("p", { class: "hint" }, "Nothing to note.");
}

function summaryPlayer(report, audio) {
  const holder = h("div", { class: "summary-audio no-print" });
  const show = (url, autoplay) => {
    const player = h("audio", {
      controls: true,
      src: url,
      preload: "none",
      "aria-label": "Spoken summary of your report",
    });
    replace(holder, h("p", { class: "small-heading" }, "Spoken summary"), player);
    if (autoplay) player.play().catch(() => player.focus());
  };
  if (audio && audio.audio_url) {
    show(audio.audio_url, false);
    return holder;
  }
  const button = h("button", { type: "button", class: "secondary" }, "▶ Listen to the summary");
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = "Preparing audio…";
    try {
      const speech = await api.synthesize(report.summary_text);
      show(speech.audio_url, true);
    } catch (error) {
      replace(holder, h("p", { class: "error-text" }, `The spoken summary is not available: ${error.message}`));
    }
  });
  replace(holder, button);
  return holder;
}

function chartsSection(report) {
  const criteria = Object.entries(report.criteria || {}).map(([name, value]) => ({
    label: criterionTitle(name),
    value,
  }));
  const scored = report.questions.filter((q) => typeof q.overall === "number");
  const figures = [];
  if (criteria.length) {
    figures.push(
      h(
        "figure",
        { class: "chart-box" },
        barChart(criteria, { title: "Score by criterion" }),
        h("figcaption", null, "Score by criterion (1 to 10)"),
      ),
    );
  }
  if (criteria.length >= 3) {
    figures.push(
      h(
        "figure",
        { class: "chart-box" },
        radarChart(criteria, { title: "Profile across criteria" }),
        h("figcaption", null, "Your profile across the criteria"),
      ),
    );
  }
  if (scored.length) {
    const rows = scored.map((q) => ({ label: `Question ${q.index + 1}`, value: q.overall }));
    figures.push(
      h(
        "figure",
        { class: "chart-box" },
        barChart(rows, { title: "Score per question", labelWidth: 110 }),
        h("figcaption", null, "Overall score of each answer"),
      ),
    );
  }
  if (!figures.length) return section("Scores", h("p", { class: "hint" }, "No answers were scored."));
  return section("Scores", h("div", { class: "charts" }, figures));
}

function deliveryCell(delivery) {
  if (!delivery) return "–";
  const parts = [];
  if (typeof delivery.words_per_minute === "number") parts.push(`${Math.round(delivery.words_per_minute)} wpm`);
  if (typeof delivery.fillers_per_100_words === "number")
    parts.push(`${fixed(delivery.fillers_per_100_words, 1)} fillers/100 words`);
  if (typeof delivery.pause_count === "number")
    parts.push(`${delivery.pause_count} ${delivery.pause_count === 1 ? "pause" : "pauses"}`);
  return parts.join(", ") || "–";
}

function questionTable(report) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "questions-table" },
      h("caption", { class: "sr-only" }, "Every question with your answer and its score"),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          ["#", "Question", "Your answer (transcript)", "Score", "Delivery"].map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        null,
        report.questions.map((q) =>
          h(
            "tr",
            null,
            h("td", { "data-label": "#" }, String(q.index + 1)),
            h("td", { "data-label": "Question" }, q.question),
            h("td", { "data-label": "Your answer", class: "answer-cell" }, q.answer || h("em", null, "Not answered")),
            h(
              "td",
              { "data-label": "Score", class: "num" },
              typeof q.overall === "number" ? fixed(q.overall, 1) : "–",
              q.attempts > 1 ? h("span", { class: "hint attempts" }, `attempt ${q.attempts}`) : null,
            ),
            h("td", { "data-label": "Delivery" }, deliveryCell(q.delivery)),
          ),
        ),
      ),
    ),
  );
}

function recording(url, label) {
  return url
    ? h("div", { class: "no-print" }, h("audio", { controls: true, preload: "none", src: url, "aria-label": label }))
    : null;
}

// Each follow-up asked, with the answer given to it (or "Skipped"), its own score, recording and delivery.
function followUps(sessionId, q) {
  const asked = q.follow_up_answers || [];
  if (!asked.length) return null;
  return h(
    "div",
    { class: "follow-ups" },
    h("h4", null, asked.length === 1 ? "Follow-up question" : "Follow-up questions"),
    asked.map((f, i) =>
      h(
        "div",
        { class: "follow-up" },
        h("p", { class: "question-text compact" }, f.question),
        f.answer === null || f.answer === undefined
          ? h("p", { class: "hint" }, "Skipped.")
          : [
              scoreBadge(f.overall, "Follow-up score"),
              languageWarning(f.language_warning),
              h("p", { class: "transcript-text" }, f.answer),
              recording(
                f.audio_url || recordingUrl(sessionId, q.index, i + 1),
                `Your recorded answer to follow-up ${i + 1} of question ${q.index + 1}`,
              ),
              f.delivery ? h("details", null, h("summary", null, "Delivery"), deliveryList(f.delivery)) : null,
            ],
      ),
    ),
  );
}

// "1 of 3 questions answered (ended after question 1)": out of the questions planned, whether asked or not.
function answeredWords(report) {
  const planned = report.questions.length;
  const words = `${report.answered} of ${planned} questions answered`;
  return report.asked < planned ? `${words} (ended after question ${report.asked})` : words;
}

// "Your 2nd attempt; the first scored 4.8": the report shows the latest attempt at a question asked again.
function attemptsNote(q) {
  if (!(q.attempts > 1)) return null;
  const earlier = (q.earlier_overall || []).map((v) => fixed(v, 1));
  const scored = earlier.length === 1 ? `the first scored ${earlier[0]}` : `the earlier ones scored ${earlier.join(", ")}`;
  return h("p", { class: "hint" }, `Attempt ${q.attempts}, shown here; ${scored}.`);
}

// A question's score includes its follow-up answers: one better than the answer lifts each criterion halfway to it.
function followUpNote(q) {
  if (typeof q.answer_overall !== "number" || !(q.overall > q.answer_overall)) return null;
  const answers = (q.follow_up_answers || []).filter((f) => f.answer).length === 1 ? "answer" : "answers";
  return h(
    "p",
    { class: "hint" },
    `Your answer scored ${fixed(q.answer_overall, 1)}; your follow-up ${answers} raised the question to ` +
      `${fixed(q.overall, 1)}: each criterion a follow-up answer did better on moves halfway to its score there.`,
  );
}

function questionDetail(sessionId, q) {
  const audioUrl = q.audio_url || recordingUrl(sessionId, q.index, 0);
  const criteria = Object.entries(q.criteria || {});
  return h(
    "article",
    { class: "card question-detail" },
    h("h3", null, `Question ${q.index + 1}`, h("span", { class: "badge" }, q.question_type)),
    h("p", { class: "question-text compact" }, q.question),
    scoreBadge(q.overall, "Score"),
    attemptsNote(q),
    followUpNote(q),
    criteria.length
      ? h(
          "ul",
          { class: "chips" },
          criteria.map(([name, value]) => h("li", null, `${criterionTitle(name)} ${score(value)}`)),
        )
      : null,
    h("h4", null, "Your answer"),
    languageWarning(q.language_warning),
    h("p", { class: "transcript-text" }, q.answer || "Not answered"),
    recording(audioUrl, `Your recorded answer to question ${q.index + 1}`),
    q.delivery ? h("details", null, h("summary", null, "Delivery"), deliveryList(q.delivery)) : null,
    q.feedback ? h("h4", null, "What went well") : null,
    q.feedback ? bullets(q.feedback.strengths) : null,
    q.feedback ? h("h4", null, "What to improve") : null,
    q.feedback ? bullets(q.feedback.improvements) : null,
    q.feedback ? outline(q.feedback.improved_answer_outline) : null,
    followUps(sessionId, q),
  );
}

function practicePlan(plan) {
  if (!plan || !plan.length)
    return section("Practice plan", h("p", { class: "hint" }, "No specific exercises: keep practicing."));
  return section(
    "Practice plan",
    h(
      "ol",
      { class: "plan" },
      plan.map((item) =>
        h(
          "li",
          null,
          h("h3", null, item.focus),
          h("p", null, item.why),
          h("p", null, h("strong", null, "Exercise: "), item.exercise),
        ),
      ),
    ),
  );
}

export async function renderReport(main, sessionId) {
  replace(main, h("h1", { tabindex: -1 }, "Loading your report…"));
  const cached = endResult(sessionId);
  let report;
  let session = null;
  try {
    const [r, s] = await Promise.all([
      cached ? cached.report : api.report(sessionId),
      api.getSession(sessionId).catch(() => null),
    ]);
    report = r;
    session = s && s.session;
  } catch (error) {
    replace(
      main,
      h("h1", { tabindex: -1 }, "The report could not be opened"),
      h("p", { class: "error-text" }, error.message),
      h("p", null, h("a", { href: "#/history" }, "Back to history")),
    );
    main.querySelector("h1").focus();
    return;
  }
  const when = session ? date(session.completed_at || session.created_at) : "";
  const printButton = h("button", { type: "button", class: "primary", onclick: () => window.print() }, "Save as PDF");
  replace(
    main,
    h(
      "div",
      { class: "report-head" },
      h("h1", { tabindex: -1 }, "Your interview report"),
      h(
        "p",
        { class: "meta" },
        [
          roleTitle(report.role),
          LEVELS[report.level] || report.level,
          when,
          answeredWords(report),
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      h(
        "div",
        { class: "actions no-print" },
        printButton,
        h("a", { class: "button secondary", href: "#/" }, "Practice again"),
        h("a", { class: "button secondary", href: "#/history" }, "History"),
      ),
    ),
    section(
      "Summary",
      h(
        "div",
        { class: "overview" },
        scoreBadge(report.overall, "Overall"),
        h("p", { class: "summary-text" }, report.summary_text),
      ),
      summaryPlayer(report, cached && cached.summary_audio),
    ),
    chartsSection(report),
    h(
      "div",
      { class: "grid-2" },
      section("Strengths", bullets(report.strengths)),
      section("To improve", bullets(report.improvements)),
    ),
    report.delivery_summary
      ? section("Delivery", deliveryList(report.delivery_summary) || h("p", { class: "hint" }, "No spoken answers."))
      : null,
    practicePlan(report.practice_plan),
    section("Question by question", questionTable(report)),
    h(
      "div",
      { class: "question-details" },
      report.questions.map((q) => questionDetail(sessionId, q)),
    ),
    report.engine !== "offline" ? h("p", { class: "hint" }, `Scored by: ${report.engine}`) : null,
  );
  main.querySelector("h1").focus();
}

// Printing: every collapsed detail is opened so the PDF holds everything.
window.addEventListener("beforeprint", () => {
  for (const d of document.querySelectorAll("main details:not([open])")) {
    d.setAttribute("open", "");
    d.dataset.printOpened = "1";
  }
});
window.addEventListener("afterprint", () => {
  for (const d of document.querySelectorAll("main details[data-print-opened]")) {
    d.removeAttribute("open");
    delete d.dataset.printOpened;
  }
});
