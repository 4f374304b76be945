// The microphone: MediaRecorder in one-second slices, with a level meter from an AnalyserNode.

const TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
export const MAX_SECONDS = 600;

/** A microphone problem, with what the candidate can do about it. */
export class MicrophoneError extends Error {}

function explain(error) {
  switch (error && error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Allow microphone access in your browser's address bar, or type your answer instead.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No microphone was found. Connect one and try again, or type your answer instead.";
    case "NotReadableError":
    case "AbortError":
      return "Your microphone is being used by another app. Close it and try again, or type your answer instead.";
    default:
      return "The microphone could not be started. Type your answer instead, or try another browser.";
  }
}

export function canRecord() {
  return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
}

export class Recorder {
  /**
   * @param {object} hooks onChunk(Uint8Array) in recording order, onLevel(0..1), onTick(seconds), onLimit()
   */
  constructor({ onChunk, onLevel, onTick, onLimit }) {
    this.hooks = { onChunk, onLevel, onTick, onLimit };
    this.parts = [];
    this.queue = Promise.resolve();
  }

  /** The content type sent to the server (without codec parameters). */
  get contentType() {
    return (this.mimeType || "audio/webm").split(";")[0];
  }

  async start() {
    if (!canRecord()) throw new MicrophoneError("This browser cannot record audio. Type your answer instead.");
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 },
      });
    } catch (error) {
      throw new MicrophoneError(explain(error));
    }
    this.mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || "";
    this.recorder = new MediaRecorder(this.stream, this.mimeType ? { mimeType: this.mimeType } : undefined);
    this.mimeType = this.recorder.mimeType || this.mimeType;
    this.recorder.addEventListener("dataavailable", (event) => {
      if (!event.data || !event.data.size) return;
      this.parts.push(event.data);
      // Blobs are read in order, so chunk numbers follow recording order.
      this.queue = this.queue.then(async () => this.hooks.onChunk(new Uint8Array(await event.data.arrayBuffer())));
    });
    this._meter();
    this.started = performance.now();
    this.ticker = setInterval(() => {
      const seconds = (performance.now() - this.started) / 1000;
      this.hooks.onTick(seconds);
      if (seconds >= MAX_SECONDS) this.hooks.onLimit();
    }, 250);
    this.recorder.start(1000);
  }

  /** Stop; resolves once every chunk has been handed to onChunk, with the whole recording as a Blob. */
  async stop() {
    clearInterval(this.ticker);
    cancelAnimationFrame(this.frame);
    if (this.recorder && this.recorder.state !== "inactive") {
      const stopped = new Promise((resolve) => this.recorder.addEventListener("stop", resolve, { once: true }));
      this.recorder.stop();
      await stopped;
    }
    await this.queue;
    this.release();
    return new Blob(this.parts, { type: this.contentType });
  }

  /** Let go of the microphone and the audio graph. */
  release() {
    clearInterval(this.ticker);
    cancelAnimationFrame(this.frame);
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    if (this.context && this.context.state !== "closed") this.context.close();
    this.stream = null;
  }

  _meter() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    this.context = new Context();
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 1024;
    this.context.createMediaStreamSource(this.stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const draw = () => {
      analyser.getByteTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += ((v - 128) / 128) ** 2;
      const rms = Math.sqrt(sum / samples.length);
      this.hooks.onLevel(Math.min(1, rms * 4));
      this.frame = requestAnimationFrame(draw);
    };
    draw();
  }
}
