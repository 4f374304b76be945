// Set-up: role, level, type, mode, questions, job description, resume (PDF) and the candidate's own questions.

import { api } from "../api.js";
import { h, replace, showAlert } from "../dom.js";
import { LEVELS, MODES, ROLES, TYPES } from "../format.js";

const MAX_PDF_BYTES = 5 * 1024 * 1024;
const MAX_QUESTIONS = 30;
const SAVED = "practice.settings";

function field(id, label, control, hint) {
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint ? h("p", { id: hintId, class: "hint" }, hint) : null,
  );
}

function select(id, options, value) {
  return h(
    "select",
    { id, name: id },
    Object.entries(options).map(([v, label]) => h("option", { value: v, selected: v === value }, label)),
  );
}

function saved() {
  try {
    return JSON.parse(localStorage.getItem(SAVED) || "{}");
  } catch {
    return {};
  }
}

/** Read a PDF as base64 (without the data: prefix), refusing anything that is not a PDF or is too big. */
export function readPdf(file) {
  return new Promise((resolve, reject) => {
    const looksPdf = file.type === "application/pdf" || file.name.toLowerCase().endsWith(".pdf");
    if (!looksPdf) return reject(new Error(`“${file.name}” is not a PDF. Choose a PDF file of your resume.`));
    if (file.size > MAX_PDF_BYTES) {
      return reject(new Error(`“${file.name}” is ${(file.size / 1048576).toFixed(1)} MB; the limit is 5 MB.`));
    }
    if (file.size === 0) return reject(new Error(`“${file.name}” is empty.`));
    const reader = new FileReader();
    reader.onerror = () => reject(new Error(`“${file.name}” could not be read.`));
    reader.onload = () => {
      const base64 = String(reader.result).split(",", 2)[1] || "";
      if (!atob(base64.slice(0, 8)).startsWith("%PDF-")) {
        return reject(new Error(`“${file.name}” is not a valid PDF file.`));
      }
      resolve(base64);
    };
    reader.readAsDataURL(file);
  });
}

function ownQuestions(text) {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length > MAX_QUESTIONS) throw new Error(`Add at most ${MAX_QUESTIONS} questions of your own.`);
  const bad = lines.findIndex((q) => q.length < 10 || q.length > 600);
  if (bad >= 0) throw new Error(`Your question on line ${bad + 1} must be 10 to 600 characters long.`);
  return lines;
}

export function renderSetup(main) {
  const last = saved();
  let resume = null;

  const role = select("role", ROLES, last.role || "software_engineer");
  const level = select("level", LEVELS, last.level || "mid");
  const type = select("interview_type", TYPES, last.interview_type || "mixed");
  const count = h("input", {
    id: "num_questions",
    type: "number",
    min: 1,
    max: MAX_QUESTIONS,
    value: last.num_questions || 5,
    inputmode: "numeric",
    required: true,
  });
  const followUps = select(
    "max_follow_ups",
    { 0: "None", 1: "Up to 1", 2: "Up to 2", 3: "Up to 3" },
    String(last.max_follow_ups ?? 1),
  );
  const jd = h("textarea", { id: "job_description", rows: 5, maxlength: 20000 });
  const questions = h("textarea", { id: "custom_questions", rows: 4 });
  const file = h("input", { id: "resume", type: "file", accept: "application/pdf,.pdf" });
  const fileStatus = h("p", { id: "resume-status", class: "file-status", "aria-live": "polite" }, "No resume chosen.");
  const clearResume = h("button", { type: "button", class: "secondary small", hidden: true }, "Remove resume");
  const formError = h("div", { class: "form-error", role: "alert", "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "primary" }, "Start interview");

  const modeName = last.mode || "evaluate";
  const modes = h(
    "fieldset",
    { class: "modes" },
    h("legend", null, "How should answers be scored?"),
    Object.entries(MODES).map(([value, mode]) => {
      const radio = h("input", {
        type: "radio",
        id: `mode-${value}`,
        name: "mode",
        value,
        checked: value === modeName,
        "aria-describedby": `mode-${value}-help`,
      });
      // The whole choice, its explanation and padding included, picks it: a finger-sized target.
      const pick = (event) => {
        if (event.target !== radio && event.target.tagName !== "LABEL") radio.click();
      };
      return h(
        "div",
        { class: "choice", onclick: pick },
        radio,
        h("label", { for: `mode-${value}` }, mode.title),
        h("p", { id: `mode-${value}-help`, class: "hint" }, mode.help),
      );
    }),
  );

  file.addEventListener("change", async () => {
    resume = null;
    fileStatus.classList.remove("error");
    clearResume.hidden = true;
    const chosen = file.files && file.files[0];
    if (!chosen) {
      fileStatus.textContent = "No resume chosen.";
      return;
    }
    fileStatus.textContent = `Reading “${chosen.name}”…`;
    try {
      resume = await readPdf(chosen);
      fileStatus.textContent = `Resume: ${chosen.name} (${Math.max(1, Math.round(chosen.size / 1024))} KB)`;
      clearResume.hidden = false;
    } catch (error) {
      file.value = "";
      fileStatus.textContent = error.message;
      fileStatus.classList.add("error");
    }
  });
  clearResume.addEventListener("click", () => {
    resume = null;
    file.value = "";
    fileStatus.textContent = "No resume chosen.";
    clearResume.hidden = true;
    file.focus();
  });

  const form = h(
    "form",
    { class: "setup card", novalidate: true },
    h(
      "fieldset",
      null,
      h("legend", null, "The job"),
      h(
        "div",
        { class: "grid-3" },
        field("role", "Role", role),
        field("level", "Level", level),
        field(
          "interview_type",
          "Interview type",
          type,
          "Behavioral: past situations. Technical: knowledge and design. Mixed: both.",
        ),
      ),
    ),
    modes,
    h(
      "div",
      { class: "grid-2" },
      field("num_questions", "Number of questions", count, "1 to 30."),
      field(
        "max_follow_ups",
        "Follow-up questions per question",
        followUps,
        "Asked when an answer leaves something out.",
      ),
    ),
    field(
      "job_description",
      "Job description (optional)",
      jd,
      "Paste the posting: questions are tailored to the skills it asks for.",
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "resume" }, "Resume (optional, PDF up to 5 MB)"),
      file,
      h("p", { id: "resume-hint", class: "hint" }, "Questions are tailored to the skills and experience in it."),
      h("div", { class: "file-row" }, fileStatus, clearResume),
    ),
    field(
      "custom_questions",
      "Your own questions (optional)",
      questions,
      "One per line, 10 to 600 characters each. When given, the interview asks these instead of the question bank.",
    ),
    formError,
    h("div", { class: "actions" }, submit),
  );
  file.setAttribute("aria-describedby", "resume-hint resume-status");

  // Follow-up questions come from an answer's evaluation, so collect mode (scored at the end) asks none.
  const followUpsHint = form.querySelector("#max_follow_ups-hint");
  const showFollowUps = () => {
    const collect = form.querySelector("input[name=mode]:checked").value === "collect";
    followUps.disabled = collect;
    followUpsHint.textContent = collect
      ? "None when everything is scored at the end: follow-ups come from feedback on each answer."
      : "Asked when an answer leaves something out.";
  };
  modes.addEventListener("change", showFollowUps);
  showFollowUps();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(formError);
    showAlert(null);
    const num = Number(count.value);
    if (!Number.isInteger(num) || num < 1 || num > MAX_QUESTIONS) {
      replace(formError, "The number of questions must be a whole number from 1 to 30.");
      count.focus();
      return;
    }
    let custom;
    try {
      custom = ownQuestions(questions.value);
    } catch (error) {
      replace(formError, error.message);
      questions.focus();
      return;
    }
    const settings = {
      role: role.value,
      level: level.value,
      interview_type: type.value,
      mode: form.querySelector("input[name=mode]:checked").value,
      num_questions: num,
      max_follow_ups: Number(followUps.value),
      language: "en",
    };
    localStorage.setItem(SAVED, JSON.stringify(settings));
    const body = { ...settings, custom_questions: custom };
    if (jd.value.trim()) body.job_description = jd.value.trim();
    if (resume) body.resume_pdf_base64 = resume;
    submit.disabled = true;
    submit.textContent = "Preparing your questions…";
    try {
      const view = await api.createSession(body);
      window.location.hash = `#/interview/${view.session.session_id}`;
    } catch (error) {
      replace(formError, error.message);
      submit.disabled = false;
      submit.textContent = "Start interview";
    }
  });

  replace(
    main,
    h("h1", { tabindex: -1 }, "Set up your practice interview"),
    h(
      "p",
      { class: "lead" },
      "Each question is read aloud. Answer by speaking or typing; you get a transcript, scores with the evidence behind them, and a report to keep.",
    ),
    form,
  );
}
