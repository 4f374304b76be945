// How one evaluated answer is shown: scores, evidence, key points, STAR, feedback, delivery figures.

import { band, barChart } from "../charts.js";
import { h } from "../dom.js";
import { criterionTitle, deliveryRows, fixed, humanize, score } from "../format.js";

// `heading`: the level of the section headings, "h4" in the report (under the question's h3), "h3" in the result
// card (under its h2).
function list(title, items, className, heading = "h4") {
  if (!items || !items.length) return null;
  return h(
    "section",
    { class: `feedback-list ${className || ""}` },
    h(heading, null, title),
    h(
      "ul",
      null,
      items.map((t) => h("li", null, t)),
    ),
  );
}

/** A big score with its band (the number is the message; the color only repeats it). */
export function scoreBadge(value, label = "Overall") {
  if (typeof value !== "number") return h("p", { class: "score-badge none" }, `${label}: not scored`);
  return h(
    "p",
    { class: `score-badge ${band(value)}` },
    h("span", { class: "score-label" }, label),
    " ",
    h("strong", { class: "score-value" }, fixed(value, 1)),
    h("span", { class: "score-max" }, "/10"),
  );
}

/** The server's warning that a spoken answer did not sound like the interview's language (nothing when none). */
export function languageWarning(message) {
  return message ? h("p", { class: "language-warning", role: "note" }, message) : null;
}

export function deliveryList(figures) {
  const rows = deliveryRows(figures);
  if (!rows.length) return null;
  return h(
    "dl",
    { class: "figures" },
    rows.map(([label, value]) => h("div", null, h("dt", null, label), h("dd", null, value))),
  );
}

function criteriaDetails(criteria) {
  return h(
    "details",
    { class: "criteria-details" },
    h("summary", null, "Why these scores"),
    h(
      "ul",
      { class: "plain" },
      criteria.map((c) =>
        h(
          "li",
          null,
          h("strong", null, `${criterionTitle(c.criterion)} ${score(c.score)}`),
          (c.evidence || []).length
            ? h(
                "ul",
                { class: "evidence up" },
                c.evidence.map((e) => h("li", null, h("span", { class: "sr-only" }, "Raised by: "), e)),
              )
            : null,
          (c.lowered_by || []).length
            ? h(
                "ul",
                { class: "evidence down" },
                c.lowered_by.map((e) => h("li", null, h("span", { class: "sr-only" }, "Lowered by: "), e)),
              )
            : null,
        ),
      ),
    ),
  );
}

function keyPoints(points, heading) {
  if (!points || !points.length) return null;
  const covered = points.filter((p) => p.covered);
  const missed = points.filter((p) => !p.covered);
  return h(
    "section",
    { class: "key-points" },
    h(heading, null, `Key points: ${covered.length} of ${points.length} covered`),
    h(
      "ul",
      { class: "plain" },
      covered.map((p) =>
        h(
          "li",
          { class: "covered" },
          h("span", { class: "mark", "aria-hidden": "true" }, "✓"),
          h("span", { class: "sr-only" }, "Covered: "),
          p.key_point,
          p.evidence ? h("blockquote", null, `“${p.evidence}”`) : null,
        ),
      ),
      missed.map((p) =>
        h(
          "li",
          { class: "missed" },
          h("span", { class: "mark", "aria-hidden": "true" }, "✗"),
          h("span", { class: "sr-only" }, "Missed: "),
          p.key_point,
        ),
      ),
    ),
  );
}

function star(parts, heading) {
  if (!parts || !parts.length) return null;
  return h(
    "section",
    { class: "star" },
    h(heading, null, "STAR structure"),
    h(
      "ul",
      { class: "star-parts" },
      parts.map((p) =>
        h(
          "li",
          { class: p.found ? "covered" : "missed", title: p.evidence || "" },
          h("span", { class: "mark", "aria-hidden": "true" }, p.found ? "✓" : "✗"),
          `${humanize(p.part)}${p.found ? "" : " (missing)"}`,
        ),
      ),
    ),
  );
}

/** The outline of a stronger answer (a numbered list). */
export function outline(items, heading = "h4") {
  if (!items || !items.length) return null;
  return h(
    "section",
    { class: "outline" },
    h(heading, null, "Outline of a stronger answer"),
    h(
      "ol",
      null,
      items.map((t) => h("li", null, t)),
    ),
  );
}

/** Scores, evidence and feedback of one evaluated answer. */
export function evaluationView(evaluation, feedback) {
  const criteria = (evaluation && evaluation.criteria) || [];
  return h(
    "div",
    { class: "evaluation" },
    evaluation ? scoreBadge(evaluation.overall, "This answer") : null,
    criteria.length
      ? barChart(
          criteria.map((c) => ({ label: criterionTitle(c.criterion), value: c.score })),
          { title: "Scores of this answer by criterion" },
        )
      : null,
    criteria.length ? criteriaDetails(criteria) : null,
    evaluation && evaluation.engine_note ? h("p", { class: "note" }, evaluation.engine_note) : null,
    feedback ? list("What went well", feedback.strengths, "strengths", "h3") : null,
    feedback ? list("What to improve", feedback.improvements, "improvements", "h3") : null,
    evaluation ? keyPoints(evaluation.key_points, "h3") : null,
    evaluation ? star(evaluation.star, "h3") : null,
    feedback ? outline(feedback.improved_answer_outline, "h3") : null,
    feedback ? list("Common mistakes on this question", feedback.pitfalls || [], "pitfalls", "h3") : null,
  );
}
