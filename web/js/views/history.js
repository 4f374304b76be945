// History: past sessions, the overall score over time, open a report or carry on, delete with confirmation.

import { api } from "../api.js";
import { fitted, lineChart } from "../charts.js";
import { h, replace, showAlert } from "../dom.js";
import { date, day, fixed, LEVELS, roleTitle, TYPES } from "../format.js";
import { forgetSession } from "../state.js";

const STATES = { created: "Not started", active: "In progress", completed: "Completed" };

function progressChart(sessions) {
  const scored = sessions
    .filter((s) => s.state === "completed" && typeof s.overall === "number")
    .sort((a, b) => String(a.completed_at || a.created_at).localeCompare(String(b.completed_at || b.created_at)));
  if (!scored.length) {
    return h("p", { class: "hint" }, "Finish an interview to see your progress here.");
  }
  const when = (s) => s.completed_at || s.created_at;
  const years = new Set(scored.map((s) => new Date(when(s)).getFullYear()));
  const points = scored.map((s) => ({
    label: `${date(when(s))}, ${roleTitle(s.role)}`,
    short: day(when(s), years.size > 1),
    value: s.overall,
  }));
  return h(
    "figure",
    { class: "chart-box wide" },
    fitted((width) => lineChart(points, { title: "Overall score over time", width }), { class: "line-chart-box" }),
    h("figcaption", null, "Overall score of each completed interview, oldest first"),
  );
}

function row(s, onDelete) {
  const open =
    s.state === "completed"
      ? h("a", { class: "button secondary small", href: `#/report/${s.session_id}` }, "Open report")
      : h(
          "a",
          { class: "button secondary small", href: `#/interview/${s.session_id}` },
          s.state === "active" ? "Continue" : "Start",
        );
  const remove = h(
    "button",
    {
      type: "button",
      class: "danger small",
      "aria-label": `Delete the ${roleTitle(s.role)} interview of ${date(s.created_at)}`,
    },
    "Delete",
  );
  remove.addEventListener("click", () => onDelete(s, remove));
  return h(
    "tr",
    { dataset: { session: s.session_id } },
    h("td", { "data-label": "Date" }, date(s.created_at)),
    h("td", { "data-label": "Role" }, `${roleTitle(s.role)} (${LEVELS[s.level] || s.level})`),
    h("td", { "data-label": "Type" }, TYPES[s.interview_type] || s.interview_type),
    h("td", { "data-label": "Status" }, STATES[s.state] || s.state),
    h("td", { "data-label": "Answered", class: "num" }, `${s.questions_answered}/${s.questions}`),
    h("td", { "data-label": "Overall", class: "num" }, typeof s.overall === "number" ? fixed(s.overall, 1) : "–"),
    h("td", { "data-label": "Actions", class: "row-actions" }, open, " ", remove),
  );
}

export async function renderHistory(main) {
  replace(main, h("h1", { tabindex: -1 }, "Your interviews"), h("p", { class: "loading" }, "Loading…"));
  main.querySelector("h1").focus();
  let sessions;
  try {
    sessions = await api.listSessions();
  } catch (error) {
    replace(main, h("h1", { tabindex: -1 }, "Your interviews"), h("p", { class: "error-text" }, error.message));
    return;
  }
  const heading = h("h1", { tabindex: -1 }, "Your interviews");
  const chartHolder = h("div", null, progressChart(sessions));
  const status = h("p", { class: "sr-only", role: "status", "aria-live": "polite" });
  const tbody = h("tbody");

  const onDelete = async (s, button) => {
    if (
      !window.confirm(
        `Delete the ${roleTitle(s.role)} interview of ${date(s.created_at)}? Its answers, recordings and report are removed for good.`,
      )
    )
      return;
    button.disabled = true;
    try {
      await api.deleteSession(s.session_id);
    } catch (error) {
      button.disabled = false;
      showAlert(error.message);
      return;
    }
    forgetSession(s.session_id);
    sessions = sessions.filter((x) => x.session_id !== s.session_id);
    tbody.querySelector(`tr[data-session="${s.session_id}"]`).remove();
    replace(chartHolder, progressChart(sessions));
    status.textContent = "Interview deleted.";
    if (!sessions.length) renderHistory(main);
    else heading.focus();
  };

  if (!sessions.length) {
    replace(main, heading, h("p", null, "No interviews yet. ", h("a", { href: "#/" }, "Set up your first one"), "."));
    heading.focus();
    return;
  }
  for (const s of sessions) tbody.append(row(s, onDelete));
  replace(
    main,
    heading,
    h("section", { class: "card" }, h("h2", null, "Progress"), chartHolder),
    h(
      "section",
      { class: "card" },
      h("h2", null, "Sessions"),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "history-table" },
          h("caption", { class: "sr-only" }, "Your interview sessions, newest first"),
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              ["Date", "Role", "Type", "Status", "Answered", "Overall", "Actions"].map((c) =>
                h("th", { scope: "col" }, c),
              ),
            ),
          ),
          tbody,
        ),
      ),
    ),
    status,
  );
  heading.focus();
}
