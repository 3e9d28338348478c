/** The ring of an incoming call, made with WebAudio (no sound file to download): two
 * tones, one second on, two off, until stopped. A browser that has not been interacted with
 * yet keeps the audio suspended: the call still shows, silently. */
const ON_SECONDS = 1;
const PERIOD_SECONDS = 3;

export class Ringtone {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    if (this.timer !== null || typeof AudioContext === "undefined") return;
    try {
      this.context = new AudioContext();
    } catch {
      return;
    }
    const ring = () => this.ring();
    ring();
    this.timer = setInterval(ring, PERIOD_SECONDS * 1000);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    void this.context?.close().catch(() => undefined);
    this.context = null;
  }

  private ring(): void {
    const context = this.context;
    if (!context || context.state !== "running") {
      void context?.resume().catch(() => undefined);
      if (!context || context.state !== "running") return;
    }
    const gain = context.createGain();
    gain.gain.value = 0.08;
    gain.connect(context.destination);
    const start = context.currentTime;
    for (const frequency of [440, 480]) {
      const tone = context.createOscillator();
      tone.frequency.value = frequency;
      tone.connect(gain);
      tone.start(start);
      tone.stop(start + ON_SECONDS);
    }
  }
}
