// The interview: the question (shown and spoken), a spoken answer streamed over the WebSocket or a typed one,
// progress while it is transcribed and evaluated, then the transcript, scores and feedback, and on to the next.

import { api } from "../api.js";
import { h, newId, replace, showAlert, toBase64 } from "../dom.js";
import { clock, fixed, LEVELS, MODES, roleTitle, TYPES } from "../format.js";
import { canRecord, MAX_SECONDS, MicrophoneError, Recorder } from "../recorder.js";
import { InterviewSocket } from "../socket.js";
import { draft, keepDraft, keepEndResult, keepRecording, keepShownResult, shownResult } from "../state.js";
import { AnswerStream } from "../stream.js";
import { deliveryList, evaluationView, languageWarning } from "./feedback.js";

const STAGES = [
  ["received", "Received"],
  ["transcribing", "Transcribing"],
  ["evaluating", "Evaluating"],
];
const STAGE_WORDS = {
  received: "Your answer was received.",
  transcribing: "Transcribing your answer…",
  evaluating: "Evaluating your answer…",
  speaking: "Preparing the next question…",
};
const ERROR_WORDS = {
  no_speech:
    "We couldn't hear any speech in that recording. Check your microphone and record again, or type your answer.",
  unsupported_media_type: "Your browser's recording could not be read. Record again, or type your answer.",
  answer_too_long: "The answer reached the 10-minute limit and was stopped.",
};
const RECONCILE_AFTER_MS = 8000;
// A typed answer sent over the socket that hears nothing back in this time goes again over REST (same id).
const SILENT_SOCKET_MS = 10000;
// An answer processed over the socket that hears nothing more about it for this long is looked up in the stored
// session: it may have been recorded with its result's push lost.
const STALLED_AFTER_MS = 15000;
const RETRYABLE = new Set(["network_error", "downstream_error", "downstream_unavailable"]);
const REJOIN_WAIT_MS = 8000;
const INLINE_LIMIT = 4 * 1024 * 1024;

/** What the attempt before `question`'s at the same question scored, from the session's stored answers. */
function earlierAttemptScore(answers, question) {
  const earlier = (answers || []).find(
    (a) =>
      a.question_index === question.index &&
      !a.follow_up_index &&
      (a.attempt || 1) === question.attempt - 1 &&
      a.evaluation,
  );
  return earlier ? earlier.evaluation.overall : undefined;
}

const sameQuestion = (a, b) =>
  a &&
  b &&
  a.index === b.index &&
  a.is_follow_up === b.is_follow_up &&
  a.text === b.text &&
  (a.attempt || 1) === (b.attempt || 1);

class Interview {
  constructor(main, sessionId) {
    this.main = main;
    this.sessionId = sessionId;
    this.question = null;
    this.pendingQuestion = null;
    this.complete = false;
    this.phase = "loading";
    this.stream = null;
    this.recorder = null;
    this.pendingAnswer = null; // {id, kind: "voice"|"text", text?, blob?}
    this.viaSocket = false; // whether the last answer went over the WebSocket
    this.audio = new Audio();
    this.audio.preload = "auto";
    this.gone = false;
    // A recording in progress is lost with the page: the browser asks before leaving.
    this.warnBeforeLeaving = (event) => {
      if (this.phase === "recording") event.preventDefault();
    };
    window.addEventListener("beforeunload", this.warnBeforeLeaving);
    // So is it when the candidate follows a link to another page of the app (the header's): ask first.
    this.confirmLeaving = (event) => {
      const link = event.target instanceof Element && event.target.closest("a[href^='#']");
      if (link && this.phase === "recording" && !window.confirm("Leave this page? The answer you are recording is lost."))
        event.preventDefault();
    };
    document.addEventListener("click", this.confirmLeaving, true);
  }

  // ---- building the page ----

  build() {
    this.heading = h("h1", { tabindex: -1, "aria-describedby": "question-text" }, "Interview");
    this.meta = h("p", { class: "meta" });
    this.progress = h("progress", { id: "question-progress", max: 1, value: 0 });
    this.connection = h("p", { class: "connection", role: "status", "aria-live": "polite" });

    this.questionText = h("p", { class: "question-text", id: "question-text" });
    this.questionWhy = h("p", { class: "hint question-why" });
    this.playButton = h(
      "button",
      { type: "button", class: "primary", hidden: true, onclick: () => this.playQuestion(true) },
      "▶ Play question",
    );
    this.replayButton = h(
      "button",
      { type: "button", class: "secondary", hidden: true, onclick: () => this.playQuestion(true) },
      "↻ Replay question",
    );
    this.skipButton = h(
      "button",
      { type: "button", class: "secondary skip", onclick: () => this.skipQuestion() },
      "Skip this question",
    );
    this.audioNote = h("p", { class: "hint", "aria-live": "polite" });
    this.questionCard = h(
      "section",
      { class: "card question-card", "aria-labelledby": "question-label" },
      h("h2", { id: "question-label", class: "eyebrow" }, "Question"),
      this.questionText,
      this.questionWhy,
      h("div", { class: "actions" }, this.playButton, this.replayButton, this.skipButton),
      this.audioNote,
    );

    this.buildAnswerCard();
    this.stages = h(
      "ol",
      { class: "stages", "aria-label": "Progress of your answer" },
      STAGES.map(([key, label]) => h("li", { dataset: { stage: key } }, label)),
    );
    this.status = h("p", { class: "status-line", role: "status", "aria-live": "polite" });
    this.retryButton = h(
      "button",
      { type: "button", class: "secondary", hidden: true, onclick: () => this.retry() },
      "Try again",
    );
    this.progressCard = h(
      "section",
      { class: "card progress-card", hidden: true, "aria-label": "Processing your answer" },
      this.stages,
      this.status,
      this.retryButton,
    );
    this.resultCard = h("section", { class: "card result-card", hidden: true, "aria-labelledby": "result-heading" });
    this.endButton = h(
      "button",
      { type: "button", class: "secondary", onclick: () => this.endEarly() },
      "End interview and see report",
    );

    replace(
      this.main,
      h(
        "div",
        { class: "interview-head" },
        this.heading,
        this.meta,
        h("label", { for: "question-progress", class: "sr-only" }, "Interview progress"),
        this.progress,
        this.connection,
      ),
      this.questionCard,
      this.answerCard,
      this.progressCard,
      this.resultCard,
      h("div", { class: "actions end-actions" }, this.endButton),
    );
  }

  buildAnswerCard() {
    const speakFirst = canRecord() && localStorage.getItem("practice.answerBy") !== "type";
    this.speakRadio = h("input", {
      type: "radio",
      name: "answer-by",
      id: "answer-by-speak",
      value: "speak",
      checked: speakFirst,
    });
    this.typeRadio = h("input", {
      type: "radio",
      name: "answer-by",
      id: "answer-by-type",
      value: "type",
      checked: !speakFirst,
    });
    for (const radio of [this.speakRadio, this.typeRadio])
      radio.addEventListener("change", () => this.showAnswerPanel());

    this.recordButton = h(
      "button",
      { type: "button", class: "primary record", onclick: () => this.startRecording() },
      "● Start answering",
    );
    this.stopButton = h(
      "button",
      { type: "button", class: "danger", hidden: true, onclick: () => this.stopRecording() },
      "■ Stop and submit answer",
    );
    this.restartButton = h(
      "button",
      { type: "button", class: "secondary", hidden: true, onclick: () => this.startOver() },
      "↺ Start over",
    );
    this.recordNote = h("p", { class: "hint", "aria-live": "polite" });
    this.timer = h("span", { class: "timer", role: "timer", "aria-label": "Recording time" }, "0:00");
    this.meterFill = h("span", { class: "meter-fill" });
    this.meter = h(
      "span",
      {
        class: "meter",
        role: "meter",
        "aria-label": "Microphone level",
        "aria-valuemin": 0,
        "aria-valuemax": 100,
        "aria-valuenow": 0,
      },
      this.meterFill,
    );
    this.recording = h(
      "div",
      { class: "recording", hidden: true },
      h("span", { class: "rec-dot", "aria-hidden": "true" }),
      h("span", null, "Recording"),
      this.timer,
      this.meter,
    );
    // Not a live region: rewritten every second or so while the candidate speaks, it would be read aloud over them
    // (and into the microphone); the final transcript is in the result, which takes the focus.
    this.liveTranscript = h("p", { class: "live-transcript", id: "live-transcript" });
    this.micError = h("div", { class: "mic-error", role: "alert" });
    this.speakPanel = h(
      "div",
      { class: "panel", id: "speak-panel" },
      h("p", { class: "hint" }, `Speak for up to ${MAX_SECONDS / 60} minutes; your words appear below as you talk.`),
      h("div", { class: "actions" }, this.recordButton, this.stopButton, this.restartButton),
      this.recordNote,
      this.recording,
      h("h3", { class: "small-heading" }, "Live transcript"),
      this.liveTranscript,
      this.micError,
    );

    this.textArea = h("textarea", { id: "typed-answer", rows: 7, maxlength: 10000, "aria-describedby": "typed-count" });
    this.textCount = h("p", { id: "typed-count", class: "hint" }, "0 / 10,000 characters");
    this.textArea.addEventListener("input", () => {
      this.textCount.textContent = `${this.textArea.value.length.toLocaleString()} / 10,000 characters`;
      if (this.question && this.phase === "question") keepDraft(this.sessionId, this.question, this.textArea.value);
    });
    this.textArea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) this.submitText();
    });
    this.submitButton = h(
      "button",
      { type: "button", class: "primary", onclick: () => this.submitText() },
      "Submit answer",
    );
    this.typePanel = h(
      "div",
      { class: "panel", id: "type-panel" },
      h("label", { for: "typed-answer" }, "Typed answer"),
      this.textArea,
      this.textCount,
      h(
        "div",
        { class: "actions" },
        this.submitButton,
        h("span", { class: "hint keyboard-only" }, "Ctrl+Enter (⌘+Enter) submits"),
      ),
    );

    this.answerCard = h(
      "section",
      { class: "card answer-card", "aria-labelledby": "answer-heading" },
      h("h2", { id: "answer-heading", class: "eyebrow" }, "Your answer"),
      h(
        "fieldset",
        { class: "segmented" },
        h("legend", { class: "sr-only" }, "Answer by"),
        this.speakRadio,
        h("label", { for: "answer-by-speak" }, "Speak"),
        this.typeRadio,
        h("label", { for: "answer-by-type" }, "Type"),
      ),
      this.speakPanel,
      this.typePanel,
    );
    this.showAnswerPanel();
  }

  showAnswerPanel() {
    const speak = this.speakRadio.checked;
    this.speakPanel.hidden = !speak;
    this.typePanel.hidden = speak;
    localStorage.setItem("practice.answerBy", speak ? "speak" : "type");
  }

  useTyping() {
    this.typeRadio.checked = true;
    this.showAnswerPanel();
    this.textArea.focus();
  }

  // ---- lifecycle ----

  async load() {
    this.build();
    let view;
    try {
      view = await api.getSession(this.sessionId);
      if (view.session.state === "completed") {
        window.location.replace(`#/report/${this.sessionId}`);
        return;
      }
      if (view.session.state === "created") view = await api.start(this.sessionId);
    } catch (error) {
      replace(
        this.main,
        h("h1", { tabindex: -1 }, "This interview could not be opened"),
        h("p", { class: "error-text" }, error.message),
        h("p", null, h("a", { href: "#/" }, "Set up a new interview")),
      );
      this.main.querySelector("h1").focus();
      return;
    }
    this.session = view.session;
    const config = view.session.config;
    this.mode = config.mode;
    replace(
      this.meta,
      [
        roleTitle(config.role),
        LEVELS[config.level] || config.level,
        TYPES[config.interview_type] || config.interview_type,
        MODES[config.mode].title,
      ]
        .filter(Boolean)
        .join(" · "),
    );
    this.connectSocket();
    // Opened again (a reload) while a question is asked again: the result still says what the last attempt scored.
    if (view.question && view.question.attempt > 1) this.earlierScore = earlierAttemptScore(view.answers, view.question);
    if (this.showShownResult(view)) return;
    if (view.question) this.showQuestion(view.question);
    else this.finish();
  }

  /** Opened again (a reload, or a phone that discarded the tab) while an answer's result was on screen: show that
   * result again from the stored session, with what comes next. */
  showShownResult(view) {
    const id = shownResult(this.sessionId);
    const answer = id && (view.answers || []).find((a) => a.answer_id === id);
    if (!answer || (this.mode === "evaluate" && !answer.evaluation)) return false;
    const planned = view.session.plan[answer.question_index] || {};
    const answered = {
      index: answer.question_index,
      total: view.session.plan.length,
      text: answer.question_text,
      type: planned.type,
      reason: planned.reason,
      is_follow_up: answer.follow_up_index > 0,
      attempt: answer.attempt || 1,
    };
    const current = view.question;
    const moved = current && !sameQuestion(current, answered);
    const followUp = moved && current.is_follow_up ? current : null;
    this.earlierScore = answered.attempt > 1 ? earlierAttemptScore(view.answers, answered) : undefined;
    this.showQuestion(answered, { play: false });
    this.phase = "processing";
    this.onResult(
      {
        answer,
        evaluation: answer.evaluation,
        feedback: answer.feedback,
        follow_up: followUp,
        next_action: followUp ? "answer_follow_up" : current ? "next_question" : "end",
      },
      false,
    );
    if (moved && !followUp) this.pendingQuestion = current; // the server moved on already
    this.complete = !current;
    return true;
  }

  destroy() {
    this.gone = true;
    window.removeEventListener("beforeunload", this.warnBeforeLeaving);
    document.removeEventListener("click", this.confirmLeaving, true);
    this.audio.pause();
    if (this.recorder) this.recorder.release();
    if (this.socket) this.socket.close();
    clearTimeout(this.reconcileTimer);
    clearTimeout(this.silenceTimer);
    clearTimeout(this.stallTimer);
  }

  connectSocket() {
    const socket = new InterviewSocket(this.sessionId);
    this.socket = socket;
    socket.addEventListener("status", (e) => this.onStatus(e.detail));
    socket.addEventListener("joined", (e) => this.onJoined(e.detail));
    socket.addEventListener("ack", (e) => this.forStream(e.detail, (s) => s.ack(e.detail)));
    socket.addEventListener("resend", (e) => this.forStream(e.detail, (s) => s.resend(e.detail.missing || [])));
    socket.addEventListener("progress", (e) => this.forAnswer(e.detail, () => this.setStage(e.detail.stage)));
    socket.addEventListener("partial_transcript", (e) =>
      this.forAnswer(e.detail, () => replace(this.liveTranscript, e.detail.text || "")),
    );
    socket.addEventListener("transcript", (e) =>
      this.forAnswer(e.detail, () => replace(this.liveTranscript, (e.detail.transcription || {}).text || "")),
    );
    socket.addEventListener("answer_result", (e) =>
      this.forAnswer(e.detail, () => this.onResult(e.detail.result, true)),
    );
    socket.addEventListener("question", (e) => this.onPushedQuestion(e.detail.question));
    socket.addEventListener("interview_complete", () => this.onComplete());
    socket.addEventListener("error", (e) => this.onServerError(e.detail));
    socket.connect();
  }

  forStream(message, act) {
    if (this.stream && message.answer_id === this.stream.id) act(this.stream);
  }

  forAnswer(message, act) {
    if (this.pendingAnswer && message.answer_id === this.pendingAnswer.id) {
      clearTimeout(this.silenceTimer);
      this.watchStall(this.pendingAnswer.id);
      act();
    } else if (this.stream && message.answer_id === this.stream.id) act();
  }

  /** While answer `id` is processed over the socket, look it up in the stored session whenever the socket has said
   * nothing about it for STALLED_AFTER_MS (a push API Gateway refused); until its result is shown. */
  watchStall(id) {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(async () => {
      if (this.gone || this.phase !== "processing" || !this.pendingAnswer || this.pendingAnswer.id !== id) return;
      if (!(await this.showRecorded(id))) this.watchStall(id);
    }, STALLED_AFTER_MS);
  }

  /** If the server says nothing about the typed answer `id` sent over the socket, send it over REST instead. */
  watchSocketAnswer(id, text) {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      if (this.gone || this.phase !== "processing" || !this.pendingAnswer || this.pendingAnswer.id !== id) return;
      replace(this.status, "No word from the live connection; sending your answer another way…");
      this.submitRest({ text, client_answer_id: id });
    }, SILENT_SOCKET_MS);
  }

  onStatus({ state, attempt }) {
    const words = {
      connecting: "Connecting…",
      connected: "Live connection ready.",
      reconnecting: `Connection lost. Reconnecting${attempt > 1 ? ` (attempt ${attempt})` : ""}… ${
        this.phase === "recording" ? "Your recording is kept." : "Typed answers are still sent."
      }`,
      closed: "",
    };
    this.connection.textContent = words[state] ?? "";
    this.connection.dataset.state = state;
  }

  async onJoined(joined) {
    if (this.stream && this.phase === "recording") {
      this.stream.resume(joined.resume);
      return;
    }
    if (this.pendingAnswer && this.phase === "processing") {
      await this.recover(joined);
      return;
    }
    // What the server says to answer now wins over anything pushed while the connection was down.
    const moved = joined.question && !sameQuestion(joined.question, this.question);
    if (joined.state === "active" && !joined.question) this.onComplete();
    else if (moved && (this.phase === "question" || this.phase === "waiting")) this.showQuestion(joined.question);
    else if (moved && this.phase === "result") this.pendingQuestion = joined.question;
  }

  /** After a reconnect while an answer was being processed: its results may have gone to the old connection. */
  async recover(joined) {
    const pending = this.pendingAnswer;
    const resume = joined.resume;
    const waiting = !resume || !resume.status || resume.status === "streaming" || resume.status === "failed";
    if (pending.kind === "voice" && resume && resume.answer_id === pending.id && waiting) {
      this.stream.resume(resume); // the server still waits for chunks or for end_answer
      return;
    }
    if (await this.showRecorded(pending.id)) return;
    if (pending.kind === "text") this.socket.send({ action: "text_answer", answer_id: pending.id, text: pending.text });
    for (let tries = 0; tries < 45 && this.pendingAnswer === pending && this.phase === "processing"; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      if (this.pendingAnswer === pending && this.phase === "processing" && (await this.showRecorded(pending.id)))
        return;
    }
  }

  /** Show answer `id` from the stored session if it has been recorded (and, in evaluate mode, scored). */
  async showRecorded(id) {
    let view;
    try {
      view = await api.getSession(this.sessionId);
    } catch {
      return false;
    }
    const recorded = (view.answers || []).find((a) => a.answer_id === id);
    if (!recorded || (this.mode === "evaluate" && !recorded.evaluation) || this.phase !== "processing") return false;
    const asked = this.question;
    const followUp = recorded.follow_up
      ? {
          index: recorded.question_index,
          total: asked.total,
          type: asked.type,
          text: recorded.follow_up.text,
          reason: recorded.follow_up.reason,
          is_follow_up: true,
        }
      : null;
    const last = recorded.question_index >= asked.total - 1;
    this.onResult(
      {
        answer: recorded,
        evaluation: recorded.evaluation,
        feedback: recorded.feedback,
        follow_up: followUp,
        next_action: followUp ? "answer_follow_up" : last ? "end" : "next_question",
      },
      false,
    );
    this.recovered = true;
    return true;
  }

  // ---- the question ----

  showQuestion(question, { play = true } = {}) {
    showAlert(null); // a message about the last question no longer applies
    keepShownResult(this.sessionId, null);
    this.question = question;
    this.pendingQuestion = null;
    this.phase = "question";
    this.stream = null;
    this.pendingAnswer = null;
    clearTimeout(this.reconcileTimer);
    const label = question.is_follow_up
      ? `Follow-up to question ${question.index + 1} of ${question.total}`
      : `Question ${question.index + 1} of ${question.total}`;
    replace(this.heading, question.attempt > 1 ? `${label} (attempt ${question.attempt})` : label);
    document.title = `${label} · Interview Practice`; // what a tab or a screen reader's window list shows
    this.progress.max = question.total;
    this.progress.value = question.index + 1;
    replace(this.questionText, question.text);
    replace(this.questionWhy, question.reason ? `Why this question: ${question.reason}` : "");
    this.questionCard.dataset.type = question.type;
    this.answerCard.hidden = false;
    this.progressCard.hidden = true;
    this.resultCard.hidden = true;
    replace(this.resultCard);
    replace(this.liveTranscript);
    replace(this.micError);
    replace(this.recordNote);
    this.showSkip();
    this.skipButton.disabled = false;
    replace(this.skipButton, question.is_follow_up ? "Skip this follow-up" : "Skip this question");
    this.textArea.value = draft(this.sessionId, question);
    this.textArea.dispatchEvent(new Event("input"));
    this.recordButton.disabled = false;
    this.submitButton.disabled = false;
    this.heading.focus();
    if (play) this.playQuestion(false);
  }

  /** Skipping is offered but on the last question, where it would only end the interview as "End interview" does. */
  showSkip() {
    this.skipButton.hidden = this.question.index >= this.question.total - 1;
  }

  async playQuestion(byUser) {
    const question = this.question;
    this.audioNote.textContent = "";
    if (!question.audio || !question.audio.audio_url) {
      try {
        question.audio = await api.synthesize(question.text);
      } catch {
        this.playButton.hidden = true;
        this.replayButton.hidden = true;
        this.audioNote.textContent = "The question's audio is not available; please read it above.";
        return;
      }
      if (question !== this.question) return;
    }
    if (this.audio.src !== question.audio.audio_url) this.audio.src = question.audio.audio_url;
    this.audio.currentTime = 0;
    try {
      await this.audio.play();
      this.playButton.hidden = true;
      this.replayButton.hidden = false;
    } catch (error) {
      if (error && error.name === "NotAllowedError" && !byUser) {
        this.playButton.hidden = false;
        this.replayButton.hidden = true;
        this.audioNote.textContent = "Your browser blocked autoplay. Press “Play question” to hear it.";
      } else {
        this.playButton.hidden = true;
        this.replayButton.hidden = false;
        this.audioNote.textContent = "The question's audio could not be played; please read it above.";
      }
    }
  }

  // ---- answering by voice ----

  async startRecording() {
    if (this.phase !== "question") return;
    showAlert(null);
    replace(this.micError);
    replace(this.recordNote);
    this.audio.pause();
    this.recordButton.disabled = true;
    const recorder = new Recorder({
      onChunk: (bytes) => this.stream && this.stream.push(bytes),
      onLevel: (level) => {
        this.meterFill.style.width = `${Math.round(level * 100)}%`;
        this.meter.setAttribute("aria-valuenow", String(Math.round(level * 100)));
      },
      onTick: (seconds) => replace(this.timer, clock(seconds)),
      onLimit: () => this.stopRecording(),
    });
    try {
      await recorder.start();
    } catch (error) {
      this.recordButton.disabled = false;
      const message =
        error instanceof MicrophoneError
          ? error.message
          : "The microphone could not be started. Type your answer instead.";
      replace(
        this.micError,
        h("p", null, message),
        h("button", { type: "button", class: "secondary", onclick: () => this.useTyping() }, "Type my answer instead"),
      );
      this.micError.scrollIntoView({ block: "nearest" }); // below the fold on a laptop screen otherwise
      return;
    }
    this.recorder = recorder;
    this.stream = new AnswerStream(this.socket, recorder.contentType);
    this.socket.resumeAnswerId = this.stream.id;
    this.phase = "recording";
    replace(this.timer, "0:00");
    replace(this.liveTranscript);
    this.showRecording(true);
    this.skipButton.hidden = true;
    this.stopButton.focus();
  }

  /** Switch the speak panel between recording (stop, start over) and ready to record. */
  showRecording(on) {
    this.recordButton.hidden = on;
    this.stopButton.hidden = !on;
    this.restartButton.hidden = !on;
    this.recording.hidden = !on;
    this.typeRadio.disabled = on;
  }

  /** Drop the recording so far (the server deletes what it received) and be ready to record again. */
  async startOver() {
    if (this.phase !== "recording") return;
    const { recorder, stream } = this;
    this.phase = "question";
    this.recorder = null;
    this.stream = null;
    this.socket.resumeAnswerId = null;
    stream.discard();
    this.recordButton.disabled = true;
    this.showRecording(false);
    await recorder.stop();
    replace(this.liveTranscript);
    replace(this.recordNote, "Recording discarded. Press “Start answering” when you are ready.");
    this.showSkip();
    this.recordButton.disabled = false;
    this.recordButton.focus();
  }

  async stopRecording() {
    if (this.phase !== "recording") return;
    this.phase = "processing";
    this.stopButton.disabled = true;
    this.restartButton.hidden = true;
    const blob = await this.recorder.stop();
    this.recorder = null;
    this.showRecording(false);
    this.stopButton.disabled = false;
    const stream = this.stream;
    if (!stream.chunks.length) {
      this.phase = "question";
      this.recordButton.disabled = false;
      this.showSkip();
      replace(
        this.micError,
        h("p", null, "Nothing was recorded. Check your microphone and try again, or type your answer."),
      );
      return;
    }
    this.pendingAnswer = { id: stream.id, kind: "voice", blob };
    this.showProgress("Sending your answer…");
    const live = this.socket.joined || (this.socket.everJoined && (await this.socket.waitJoined(REJOIN_WAIT_MS)));
    if (live) {
      this.viaSocket = true;
      stream.finish();
      this.watchStall(stream.id);
      return;
    }
    await this.submitRest({ audio_blob: blob, client_answer_id: stream.id });
  }

  // ---- answering by typing ----

  async submitText() {
    if (this.phase !== "question") return;
    const text = this.textArea.value.trim();
    if (!text) {
      showAlert("Type your answer before submitting it.");
      this.textArea.focus();
      return;
    }
    showAlert(null);
    const id = newId();
    this.pendingAnswer = { id, kind: "text", text };
    this.phase = "processing";
    this.submitButton.disabled = true;
    this.showProgress("Sending your answer…");
    if (this.socket.joined && this.socket.send({ action: "text_answer", answer_id: id, text })) {
      this.viaSocket = true;
      this.watchSocketAnswer(id, text);
      this.watchStall(id);
      return;
    }
    await this.submitRest({ text, client_answer_id: id });
  }

  /** The REST path, when the live connection is not available. */
  async submitRest({ text, audio_blob: blob, client_answer_id: id }) {
    this.viaSocket = false;
    const body = { client_answer_id: id };
    if (text) {
      body.text = text;
    } else {
      if (blob.size > INLINE_LIMIT) {
        this.failAnswer(
          "The live connection is down and this recording is too long to send without it. Try again in a moment, or type your answer.",
        );
        return;
      }
      body.audio_base64 = toBase64(new Uint8Array(await blob.arrayBuffer()));
      body.content_type = blob.type || "audio/webm";
    }
    this.setStage(text ? "evaluating" : "transcribing");
    try {
      const result = await api.submitAnswer(this.sessionId, body);
      if (!this.gone) this.onResult(result, false);
    } catch (error) {
      if (this.gone || this.phase !== "processing") return; // the socket's result came first
      if (error.code === "in_progress") {
        // The socket's job is still on it: its result will come; ask again if it does not.
        replace(this.status, "Still working on your answer…");
        if (text) this.watchSocketAnswer(id, text);
        return;
      }
      this.failAnswer(error.message, RETRYABLE.has(error.code));
    }
  }

  showProgress(words) {
    this.stages.hidden = false;
    this.answerCard.hidden = true;
    this.skipButton.hidden = true;
    this.progressCard.hidden = false;
    this.retryButton.hidden = true;
    const typed = this.pendingAnswer && this.pendingAnswer.kind === "text";
    for (const li of this.stages.children) {
      li.className = "";
      li.hidden = typed && li.dataset.stage === "transcribing"; // nothing to transcribe in a typed answer
    }
    replace(this.status, words);
  }

  setStage(stage) {
    const order = STAGES.map(([key]) => key);
    const at = order.indexOf(stage);
    for (const li of this.stages.children) {
      const i = order.indexOf(li.dataset.stage);
      li.className = at < 0 ? "done" : i < at ? "done" : i === at ? "current" : "";
      if (i === at) li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    }
    replace(this.status, STAGE_WORDS[stage] || "Working on your answer…");
  }

  onServerError(error) {
    const message = ERROR_WORDS[error.code] || error.message || "Something went wrong with your answer.";
    if (!error.answer_id) {
      // Refusals of single messages (a late duplicate chunk, a repeated end_answer) change nothing; say only
      // what the candidate can act on.
      if (error.code === "answer_too_long" && this.phase === "recording") this.stopRecording();
      if (error.code === "answer_too_long" || error.code === "not_found") showAlert(message);
      return;
    }
    if (this.pendingAnswer && error.answer_id === this.pendingAnswer.id && this.phase === "processing") {
      this.failAnswer(message, Boolean(error.retryable));
    } else if (this.stream && error.answer_id === this.stream.id && this.phase === "recording") {
      this.stopRecording();
      showAlert(message);
    }
  }

  /** The answer was not recorded: say why; `retryable` keeps it (same answer id) for “Try again”. */
  failAnswer(message, retryable = false) {
    for (const li of this.stages.children) li.className = ""; // what had seemed done is not confirmed
    replace(this.status, message);
    this.status.classList.add("error-text");
    if (retryable) {
      this.retryButton.hidden = false;
      this.retryButton.focus();
      return;
    }
    const typed = this.pendingAnswer && this.pendingAnswer.kind === "text";
    this.phase = "question";
    this.stream = null;
    this.pendingAnswer = null;
    this.answerCard.hidden = false;
    this.showSkip();
    this.recordButton.disabled = false;
    this.submitButton.disabled = false;
    replace(this.micError, h("p", null, message));
    this.progressCard.hidden = true;
    this.status.classList.remove("error-text");
    (typed ? this.textArea : this.recordButton).focus(); // where dismissing the alert returns
    showAlert(message);
  }

  retry() {
    if (this.endFailed) {
      this.finish();
      return;
    }
    const pending = this.pendingAnswer;
    if (!pending) return;
    this.status.classList.remove("error-text");
    this.showProgress("Trying again…");
    if (pending.kind === "voice" && this.socket.joined && this.viaSocket) {
      this.stream.finish();
    } else if (
      pending.kind === "text" &&
      this.socket.send({ action: "text_answer", answer_id: pending.id, text: pending.text })
    ) {
      this.watchSocketAnswer(pending.id, pending.text);
    } else {
      this.submitRest(
        pending.kind === "text"
          ? { text: pending.text, client_answer_id: pending.id }
          : { audio_blob: pending.blob, client_answer_id: pending.id },
      );
    }
  }

  // ---- the result of an answer ----

  onResult(result, viaSocket) {
    if (this.phase === "result") return;
    this.phase = "result";
    this.viaSocket = viaSocket;
    this.recovered = false;
    const pending = this.pendingAnswer;
    const answer = result.answer || {};
    if (pending && pending.blob)
      keepRecording(
        this.sessionId,
        answer.question_index ?? this.question.index,
        answer.follow_up_index || 0,
        pending.blob,
      );
    this.pendingAnswer = null;
    this.stream = null;
    this.socket.resumeAnswerId = null;
    this.result = result;
    if (this.question) keepDraft(this.sessionId, this.question, ""); // sent: nothing left to keep
    keepShownResult(this.sessionId, answer.answer_id || null);
    if (!answer.follow_up_index && result.evaluation)
      this.answerScore = { index: answer.question_index ?? this.question.index, overall: result.evaluation.overall };
    this.status.classList.remove("error-text");
    this.progressCard.hidden = true;
    this.answerCard.hidden = true;

    const transcription = result.transcription;
    const delivery = (transcription && transcription.delivery) || answer.delivery;
    const confidence = transcription ? transcription.confidence : answer.transcription_confidence;
    const followUp = result.follow_up;
    this.actions = h("div", { class: "actions" });
    replace(
      this.resultCard,
      h(
        "h2",
        { id: "result-heading", tabindex: -1 },
        this.mode === "evaluate" ? "Feedback on your answer" : "Answer saved",
      ),
      this.mode === "collect" ? h("p", { class: "hint" }, "Scores and feedback come in the report at the end.") : null,
      h(
        "section",
        { class: "transcript" },
        h("h3", null, answer.source === "audio" ? "What we heard" : "Your answer"),
        languageWarning(answer.language_warning || (transcription && transcription.language_warning)),
        h("p", { class: "transcript-text" }, answer.text || (transcription && transcription.text) || ""),
        typeof confidence === "number" && answer.source === "audio"
          ? h("p", { class: "hint" }, `Transcription confidence ${Math.round(confidence * 100)}%`)
          : null,
        answer.source === "audio" ? deliveryList(delivery) : null,
      ),
      this.mode === "evaluate" && answer.attempt > 1 && this.earlierScore !== undefined
        ? h("p", { class: "hint" }, `Your previous attempt at this question scored ${fixed(this.earlierScore, 1)}.`)
        : null,
      this.mode === "evaluate" && (result.evaluation || result.feedback)
        ? evaluationView(result.evaluation, result.feedback)
        : null,
      followUp
        ? h(
            "section",
            { class: "follow-up" },
            h("h3", null, "Follow-up question"),
            h("p", null, followUp.text),
            followUp.reason ? h("p", { class: "hint" }, followUp.reason) : null,
          )
        : null,
      this.actions,
    );
    this.resultCard.hidden = false;
    this.renderActions(result.next_action);
    this.resultCard.querySelector("h2").focus();
  }

  renderActions(nextAction) {
    const buttons = [];
    if (nextAction === "answer_follow_up") {
      buttons.push(
        h("button", { type: "button", class: "primary", onclick: () => this.answerFollowUp() }, "Answer the follow-up"),
      );
      buttons.push(h("button", { type: "button", class: "secondary", onclick: () => this.next() }, "Skip follow-up"));
    } else if (nextAction === "end" || this.complete) {
      buttons.push(
        h("button", { type: "button", class: "primary", onclick: () => this.finish() }, "Finish and see report"),
      );
    } else {
      buttons.push(h("button", { type: "button", class: "primary", onclick: () => this.next() }, "Next question"));
    }
    if (this.result && this.result.answer)
      buttons.push(
        h(
          "button",
          { type: "button", class: "secondary", onclick: () => this.answerAgain() },
          `↻ Answer question ${(this.result.answer.question_index ?? this.question.index) + 1} again`,
        ),
      );
    replace(this.actions, buttons);
  }

  answerFollowUp() {
    const pushed = this.pendingQuestion && this.pendingQuestion.is_follow_up ? this.pendingQuestion : null;
    this.showQuestion(pushed || this.result.follow_up);
  }

  /** Leave the question unanswered (the report lists it as not answered) and go on to the next one. */
  async skipQuestion() {
    if (this.phase !== "question") return;
    showAlert(null);
    this.phase = "waiting";
    this.audio.pause();
    this.skipButton.disabled = true;
    this.recordButton.disabled = true;
    this.submitButton.disabled = true;
    try {
      const next = await api.nextQuestion(this.sessionId, this.question.index);
      if (!this.gone && this.phase === "waiting") this.showNext(next);
    } catch (error) {
      if (this.phase !== "waiting") return;
      this.phase = "question";
      this.skipButton.disabled = false;
      this.recordButton.disabled = false;
      this.submitButton.disabled = false;
      showAlert(error.message);
    }
  }

  onPushedQuestion(question) {
    if (!question) return;
    if (this.phase === "waiting" || this.phase === "question") {
      if (!sameQuestion(question, this.question) || this.phase === "waiting") this.showQuestion(question);
      return;
    }
    this.pendingQuestion = question;
  }

  onComplete() {
    this.complete = true;
    if (this.phase === "waiting") this.finish();
    else if (this.phase === "question") this.finishIfComplete();
    else if (this.phase === "result" && this.result && this.result.next_action !== "answer_follow_up")
      this.renderActions("end");
  }

  /** A question is on screen, so the news that the interview is complete may be older than it (a question asked
   * again): end only if the server has no question left. */
  async finishIfComplete() {
    let view;
    try {
      view = await api.getSession(this.sessionId);
    } catch {
      return;
    }
    if (this.phase === "question" && !view.question) this.finish();
  }

  /** Ask the question just answered again, as a new attempt: the report scores the latest one. */
  async answerAgain() {
    if (this.phase !== "result") return;
    const answer = this.result.answer || {};
    const index = answer.question_index ?? this.question.index;
    // After a follow-up's result, the score meant is still the question's own answer's.
    this.earlierScore = this.answerScore && this.answerScore.index === index ? this.answerScore.overall : undefined;
    this.phase = "repeating"; // a question pushed meanwhile (the interview moving on) waits, and is then dropped
    replace(this.actions, h("p", { class: "status-line", role: "status" }, "Asking the question again…"));
    try {
      const again = await api.repeatQuestion(this.sessionId, index);
      if (this.gone) return;
      this.complete = false;
      this.showQuestion(again.question);
    } catch (error) {
      showAlert(error.message);
      this.phase = "result";
      this.renderActions(this.result.next_action);
    }
  }

  /** On to the next question: the one the server pushed, or ask for it. */
  async next() {
    const following = this.result && this.result.next_action === "answer_follow_up";
    if (!following && this.pendingQuestion && !this.pendingQuestion.is_follow_up) {
      this.showQuestion(this.pendingQuestion);
      return;
    }
    if (!following && this.complete) {
      this.finish();
      return;
    }
    this.phase = "waiting";
    replace(this.actions, h("p", { class: "status-line", role: "status" }, "Preparing the next question…"));
    if (this.recovered && !following) {
      await this.reconcile();
      return;
    }
    if (this.viaSocket && this.socket.joined) {
      if (following) this.socket.send({ action: "next_question" });
      this.reconcileTimer = setTimeout(() => this.reconcile(), RECONCILE_AFTER_MS);
      return;
    }
    await this.nextOverRest();
  }

  /** The server's `NextQuestion`: its question, or the end of the interview. */
  showNext(next) {
    if (next.done || !next.question) this.finish();
    else this.showQuestion(next.question);
  }

  async nextOverRest() {
    try {
      this.showNext(await api.nextQuestion(this.sessionId));
    } catch (error) {
      showAlert(error.message);
      this.phase = "result";
      this.renderActions(this.result ? this.result.next_action : "next_question");
    }
  }

  /** No question was pushed in time: ask the server where the interview is, and move on from there. */
  async reconcile() {
    if (this.phase !== "waiting") return;
    let view;
    try {
      view = await api.getSession(this.sessionId);
    } catch (error) {
      showAlert(error.message);
      return;
    }
    if (this.phase !== "waiting") return;
    const current = view.question;
    if (!current) this.finish();
    else if (current.index === this.question.index) await this.nextOverRest();
    else this.showQuestion(current);
  }

  // ---- the end ----

  async endEarly() {
    if (this.phase === "recording" || this.phase === "processing") {
      showAlert("Wait until your answer has been processed, then end the interview.");
      return;
    }
    if (!window.confirm("End the interview now? Questions you have not answered are left out of the report.")) return;
    this.finish();
  }

  async finish() {
    if (this.phase === "ending") return;
    this.phase = "ending";
    this.endFailed = false;
    clearTimeout(this.reconcileTimer);
    this.audio.pause();
    this.answerCard.hidden = true;
    this.resultCard.hidden = true;
    this.endButton.hidden = true;
    this.skipButton.hidden = true;
    this.progressCard.hidden = false;
    this.retryButton.hidden = true;
    this.stages.hidden = true; // an answer's stages: nothing to do with the report
    replace(
      this.status,
      this.mode === "collect" ? "Scoring your answers and writing your report…" : "Writing your report…",
    );
    try {
      const result = await api.end(this.sessionId);
      keepEndResult(this.sessionId, result);
      window.location.hash = `#/report/${this.sessionId}`;
    } catch (error) {
      this.phase = "result";
      this.endButton.hidden = false;
      replace(this.status, error.message);
      this.status.classList.add("error-text");
      this.endFailed = true;
      this.retryButton.hidden = false;
      this.retryButton.focus();
    }
  }
}

let current = null;

export function renderInterview(main, sessionId) {
  current = new Interview(main, sessionId);
  current.load();
  return () => {
    current.destroy();
    current = null;
  };
}
