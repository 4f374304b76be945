// Vocabularies of the API (practice_shared/models/common.py) with the words a candidate reads.

export const ROLES = {
  software_engineer: "Software Engineer",
  backend_engineer: "Backend Engineer",
  frontend_engineer: "Frontend Engineer",
  data_scientist: "Data Scientist",
  data_analyst: "Data Analyst",
  product_manager: "Product Manager",
  devops_engineer: "DevOps / SRE Engineer",
};

export const LEVELS = { junior: "Junior", mid: "Mid-level", senior: "Senior" };

export const TYPES = { mixed: "Mixed", behavioral: "Behavioral", technical: "Technical" };

export const MODES = {
  evaluate: {
    title: "Evaluate as I go",
    help: "Scores, feedback and follow-up questions after every answer.",
  },
  collect: {
    title: "Collect, then evaluate",
    help: "Answer every question without interruption; everything is scored in the final report.",
  },
};

export const CRITERIA = {
  clarity: "Clarity",
  communication: "Communication",
  star_structure: "STAR structure",
  role_relevance: "Role relevance",
  technical_depth: "Technical depth",
};

const DELIVERY = {
  voice_answers: ["Spoken answers", (v) => `${v}`],
  words_per_minute: [
    "Pace",
    (v, all) => `${Math.round(v)} words/min${typeof all.pace === "string" ? ` (${all.pace})` : ""}`,
  ],
  fillers_per_100_words: ["Filler words", (v) => `${fixed(v, 1)} per 100 words`],
  pause_count: ["Pauses of 0.5 s or more", (v) => `${v}`],
  pauses: ["Pauses of 0.5 s or more", (v) => `${v}`],
  longest_pause_seconds: ["Longest pause", (v) => `${fixed(v, 1)} s`],
  speaking_ratio: ["Time spent speaking", (v) => `${Math.round(v * 100)}%`],
  hedging_count: ["Hedging phrases", (v) => `${v}`],
};
// Figures a candidate gains nothing from seeing next to the ones above.
const UNSHOWN = new Set(["word_count", "filler_count", "speaking_seconds", "silence_seconds", "pace"]);

export function fixed(value, digits = 1) {
  return typeof value === "number" && Number.isFinite(value) ? value.toFixed(digits) : "–";
}

export function score(value) {
  return typeof value === "number" ? `${fixed(value, 1)}/10` : "not scored";
}

export const roleTitle = (role) => ROLES[role] || humanize(role);
export const criterionTitle = (name) => CRITERIA[name] || humanize(name);

export function humanize(key) {
  const text = String(key ?? "").replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** [label, value] pairs of delivery figures (known figures first, in a fixed order; text values as they are). */
export function deliveryRows(figures) {
  if (!figures) return [];
  const rows = [];
  for (const [key, [label, render]] of Object.entries(DELIVERY)) {
    if (typeof figures[key] === "number") rows.push([label, render(figures[key], figures)]);
  }
  if (figures.fillers && typeof figures.fillers === "object") {
    const heard = Object.entries(figures.fillers).map(([word, n]) => `“${word}” ×${n}`);
    if (heard.length) rows.push(["Fillers heard", heard.join(", ")]);
  }
  for (const [key, value] of Object.entries(figures)) {
    if (!(key in DELIVERY) && !UNSHOWN.has(key) && (typeof value === "string" || typeof value === "number")) {
      rows.push([
        humanize(key),
        typeof value === "number" && !Number.isInteger(value) ? fixed(value, 1) : String(value),
      ]);
    }
  }
  return rows;
}

export function date(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** The day of `iso` with the month in words ("12 Nov" or "Nov 12", as the locale writes it), and the year if asked. */
export function day(iso, withYear = false) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? "");
  return d.toLocaleDateString(undefined, { day: "numeric", month: "short", year: withYear ? "numeric" : undefined });
}

export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
