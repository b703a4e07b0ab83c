// The page's audio, in one AudioWorklet processor running at 24 kHz (the AudioContext's rate):
//
// * capture: the microphone's samples, as PCM16, posted to the page in 20 ms chunks;
// * playback: the agent's PCM16 chunks, queued and played in order; what actually went out to
//   the speaker is posted back as {type: "played", item_id, content_index, samples} at least
//   every 20 ms, and when a chunk ends, so the server knows what the user heard;
// * {type: "stop"} flushes the queue at once (a barge-in) after reporting what was played.
const REPORT_FRAMES = 480; // 20 ms at 24 kHz

class VoiceProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = []; // {item_id, content_index, samples: Int16Array, offset}
    this.mic = new Int16Array(REPORT_FRAMES);
    this.micLength = 0;
    this.played = null; // what played since the last report: {item_id, content_index, samples}
    this.port.onmessage = ({ data }) => {
      if (data.type === "play") {
        this.queue.push({ ...data, samples: new Int16Array(data.pcm), offset: 0 });
      } else if (data.type === "stop") {
        this.report();
        this.queue.length = 0;
      }
    };
  }

  process(inputs, outputs) {
    this.capture(inputs[0][0]);
    this.play(outputs[0][0]);
    return true;
  }

  capture(input) {
    if (!input) return;
    for (let i = 0; i < input.length; i++) {
      const sample = Math.max(-1, Math.min(1, input[i]));
      this.mic[this.micLength++] = sample < 0 ? sample * 0x8000 : sample * 0x7fff;
      if (this.micLength === REPORT_FRAMES) {
        this.port.postMessage({ type: "mic", pcm: this.mic.buffer }, [this.mic.buffer]);
        this.mic = new Int16Array(REPORT_FRAMES);
        this.micLength = 0;
      }
    }
  }

  play(output) {
    let i = 0;
    while (i < output.length && this.queue.length > 0) {
      const chunk = this.queue[0];
      const n = Math.min(output.length - i, chunk.samples.length - chunk.offset);
      const start = chunk.offset;
      for (let k = 0; k < n; k++) output[i + k] = chunk.samples[start + k] / 0x8000;
      this.note(chunk, chunk.samples.subarray(start, start + n));
      chunk.offset += n;
      i += n;
      if (chunk.offset === chunk.samples.length) {
        this.queue.shift();
        this.report();
      }
    }
    output.fill(0, i);
    if (this.played && this.played.length >= REPORT_FRAMES) this.report();
  }

  note(chunk, samples) {
    const same = this.played && this.played.item_id === chunk.item_id
      && this.played.content_index === chunk.content_index;
    if (!same) {
      this.report();
      this.played = { item_id: chunk.item_id, content_index: chunk.content_index, parts: [], length: 0 };
    }
    this.played.parts.push(samples.slice());
    this.played.length += samples.length;
  }

  report() {
    if (!this.played || this.played.length === 0) return;
    const samples = new Int16Array(this.played.length);
    let at = 0;
    for (const part of this.played.parts) { samples.set(part, at); at += part.length; }
    const { item_id, content_index } = this.played;
    this.port.postMessage({ type: "played", item_id, content_index, samples }, [samples.buffer]);
    this.played.parts = [];
    this.played.length = 0;
  }
}

registerProcessor("voice", VoiceProcessor);
