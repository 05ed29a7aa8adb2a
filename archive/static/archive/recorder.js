// Records sound (or video) in the browser with MediaRecorder: a level meter
// (Web Audio AnalyserNode), pause, listen back and record again. The result is
// handed to upload.js as a "testimonio:recording" event on #submit-app.
(function () {
  "use strict";
  const app = document.getElementById("submit-app");
  if (!app) return;
  const strings = JSON.parse(document.getElementById("submit-strings").textContent);
  const video = app.dataset.mode === "video";
  const $ = (id) => document.getElementById(id);
  const startButton = $("record-start"), pauseButton = $("record-pause"), stopButton = $("record-stop");
  const meter = $("level"), elapsed = $("elapsed"), listen = $("listen"), playback = $("playback");
  const preview = $("preview"), status = $("status");
  let stream = null, recorder = null, chunks = [], audioContext = null, frame = 0;
  let seconds = 0, ticker = 0, playbackUrl = null;

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("is-error", Boolean(isError));
  }

  function pickType() {
    const candidates = video
      ? ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"]
      : ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
    return candidates.find((type) => window.MediaRecorder && MediaRecorder.isTypeSupported(type)) || "";
  }

  function showLevel(analyser) {
    const samples = new Uint8Array(analyser.fftSize);
    const draw = () => {
      analyser.getByteTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) { const v = (s - 128) / 128; sum += v * v; }
      meter.value = Math.min(1, Math.sqrt(sum / samples.length) * 3);
      frame = requestAnimationFrame(draw);
    };
    draw();
  }

  function tick() {
    seconds += 1;
    elapsed.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function release() {
    cancelAnimationFrame(frame);
    clearInterval(ticker);
    meter.value = 0;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    if (audioContext) audioContext.close();
    stream = null; audioContext = null;
    if (preview) { preview.srcObject = null; preview.hidden = true; }
  }

  async function start() {
    if (!navigator.mediaDevices || !window.MediaRecorder) { say(strings.unsupported, true); return; }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: video });
    } catch (error) {
      say(strings.noMic, true);
      return;
    }
    audioContext = new AudioContext();
    const analyser = audioContext.createAnalyser();
    analyser.fftSize = 1024;
    audioContext.createMediaStreamSource(stream).connect(analyser);
    showLevel(analyser);
    if (preview) { preview.srcObject = stream; preview.hidden = false; preview.play().catch(() => {}); }
    const type = pickType();
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
    chunks = [];
    recorder.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
    recorder.onstop = finished;
    recorder.start(1000);
    seconds = 0; elapsed.textContent = "0:00";
    ticker = setInterval(tick, 1000);
    listen.hidden = true;
    startButton.disabled = true; pauseButton.disabled = false; stopButton.disabled = false;
    pauseButton.textContent = pauseButton.dataset.pauseLabel || pauseButton.textContent;
    say(strings.recording);
  }

  function pause() {
    if (!recorder) return;
    if (!pauseButton.dataset.pauseLabel) pauseButton.dataset.pauseLabel = pauseButton.textContent;
    if (recorder.state === "recording") {
      recorder.pause(); clearInterval(ticker);
      pauseButton.textContent = strings.resume || "▶";
      pauseButton.setAttribute("aria-pressed", "true");
      say(strings.paused);
    } else if (recorder.state === "paused") {
      recorder.resume(); ticker = setInterval(tick, 1000);
      pauseButton.textContent = pauseButton.dataset.pauseLabel;
      pauseButton.setAttribute("aria-pressed", "false");
      say(strings.recording);
    }
  }

  function stop() {
    if (recorder && recorder.state !== "inactive") recorder.stop();
  }

  function finished() {
    const type = (recorder.mimeType || chunks[0]?.type || (video ? "video/webm" : "audio/webm"));
    const blob = new Blob(chunks, { type: type });
    release();
    const extension = type.includes("mp4") ? "mp4" : type.includes("ogg") ? "ogg" : "webm";
    const name = "recording-" + new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-") + "." + extension;
    if (playbackUrl) URL.revokeObjectURL(playbackUrl);
    playbackUrl = URL.createObjectURL(blob);
    playback.src = playbackUrl;
    listen.hidden = false;
    startButton.disabled = false; pauseButton.disabled = true; stopButton.disabled = true;
    say(strings.stopped);
    playback.focus();
    app.dispatchEvent(new CustomEvent("testimonio:recording", { detail: { blob: blob, name: name } }));
  }

  startButton.addEventListener("click", start);
  pauseButton.addEventListener("click", pause);
  stopButton.addEventListener("click", stop);
  $("record-again").addEventListener("click", () => {
    app.dispatchEvent(new CustomEvent("testimonio:recording", { detail: null }));
    start();
  });
})();
