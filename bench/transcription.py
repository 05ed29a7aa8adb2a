"""Transcription benchmark: raw faster-whisper vs. Testimonio's pipeline, side by side.

    python bench/transcription.py [--minutes 10] [--model base] [--threads 0]
                                  [--sequential] [--openai-model base]

Generates at least N minutes each of English and Spanish speech with espeak-ng,
then, per language, runs in a fresh process each (so peak RSS is per run):

  raw       faster_whisper on the already-normalised 16 kHz WAV, with the same
            decoder the engine picks (BatchedInferencePipeline from
            BATCHED_FROM_SECONDS on, WhisperModel.transcribe below it;
            --sequential forces WhisperModel.transcribe for both)
  pipeline  probe + normalise_audio + get_engine(...).transcribe on the original
  openai    openai-whisper on the original, where real weights are on this
            machine (--openai-model: a .pt path or a size name already in
            ~/.cache/whisper); otherwise a "skipped" line says why

and prints audio seconds, wall seconds, real-time factor, WER against the
reference text, peak RSS, the time spent in probe + normalise ("ffmpeg s") and
the pipeline's overhead over the raw engine. On a busy machine run it twice:
the overhead column is only as steady as the CPU it shares.
Model loading is timed separately and left out of both wall times.
Needs no Django. Generated audio goes to a temporary directory.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import re
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ENGLISH = [
    "My name is not important, but what happened to my family is.",
    "We crossed the river at night, and my daughter held my hand the whole way.",
    "The officer told me that if I signed the paper, I could see my children sooner.",
    "I called the police because he was hurting me, and they arrested both of us.",
    "At the county jail they took my fingerprints, and two days later immigration came.",
    "Nobody explained what the plea would mean for my status.",
    "My lawyer only met me for ten minutes before the hearing.",
    "In detention I studied for my diploma, and I tutored other women in reading.",
    "Every morning I call my son on video, because the border is between us.",
    "The judge listened to my story, and for the first time I felt believed.",
    "I work in a kitchen now, and on weekends I volunteer at the community center.",
    "When I testified before the legislature, my hands were shaking, but my voice was clear.",
]

SPANISH = [
    "Mi nombre no es importante, pero lo que le pasó a mi familia sí lo es.",
    "Cruzamos el río de noche y mi hija me tomó de la mano todo el camino.",
    "El oficial me dijo que si firmaba el papel podría ver a mis hijos más pronto.",
    "Llamé a la policía porque él me estaba lastimando y nos arrestaron a los dos.",
    "En la cárcel del condado me tomaron las huellas y dos días después llegó inmigración.",
    "Nadie me explicó lo que significaba el acuerdo para mi estatus.",
    "Mi abogada habló conmigo solo diez minutos antes de la audiencia.",
    "En la detención estudié para mi diploma y ayudé a otras mujeres a leer.",
    "Cada mañana llamo a mi hijo por video, porque la frontera está entre nosotros.",
    "La jueza escuchó mi historia y por primera vez sentí que me creían.",
    "Ahora trabajo en una cocina y los fines de semana ayudo en el centro comunitario.",
    "Cuando di mi testimonio ante la legislatura me temblaban las manos, pero no la voz.",
]

LANGUAGES = {"en": ("en-us", ENGLISH), "es": ("es", SPANISH)}
WORDS_PER_MINUTE = 150
PARAMS: dict[str, Any] = {
    "beam_size": 5,
    "vad_filter": True,
    "word_timestamps": True,
    "condition_on_previous_text": False,
}


def normalise_text(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def make_speech(lang: str, minutes: float, dest: Path) -> tuple[Path, str]:
    """Speak enough varied sentences for ``minutes``; return the WAV and its text."""
    voice, sentences = LANGUAGES[lang]
    words_needed = minutes * WORDS_PER_MINUTE * 1.1
    while True:
        chosen: list[str] = []
        for sentence in itertools.cycle(sentences):
            chosen.append(sentence)
            if sum(len(s.split()) for s in chosen) >= words_needed:
                break
        text = " ".join(chosen)
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(dest), text],
            check=True,
            capture_output=True,
        )
        seconds = wav_seconds(dest)
        if seconds >= minutes * 60:
            return dest, text
        words_needed *= minutes * 60 / seconds * 1.05


def peak_rss_mb() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_raw(model_path: str, wav16k: str, threads: int, batched: bool) -> dict[str, Any]:
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from transcription.engines.faster_whisper import BATCH_SIZE

    t0 = time.perf_counter()
    model = WhisperModel(model_path, device="cpu", compute_type="int8", cpu_threads=threads)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    if batched:
        pipeline = BatchedInferencePipeline(model)
        segments, info = pipeline.transcribe(wav16k, batch_size=BATCH_SIZE, **PARAMS)
    else:
        segments, info = model.transcribe(wav16k, **PARAMS)
    text = " ".join(s.text.strip() for s in segments)
    wall = time.perf_counter() - t0
    return {"load": load, "wall": wall, "text": text, "language": info.language,
            "rss": peak_rss_mb()}  # fmt: skip


def run_pipeline(model: str, original: str, threads: int, batched: bool) -> dict[str, Any]:
    from transcription.engines import get_engine
    from transcription.engines.faster_whisper import BATCHED_FROM_SECONDS
    from transcription.media import normalise_audio, probe

    t0 = time.perf_counter()
    engine = get_engine(
        model, cpu_threads=threads, batched_from_seconds=BATCHED_FROM_SECONDS if batched else None
    )
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        probe(Path(original))
        audio = normalise_audio(Path(original), Path(tmp) / "audio.wav")
        prep = time.perf_counter() - t0
        result = engine.transcribe(audio)
    wall = time.perf_counter() - t0
    return {"load": load, "wall": wall, "prep": prep, "text": result.text,
            "language": result.language, "rss": peak_rss_mb(),
            "batched": result.parameters.get("batched", False)}  # fmt: skip


def run_openai(model: str, original: str, threads: int, batched: bool) -> dict[str, Any]:
    from transcription.engines.openai_whisper import OpenAIWhisperEngine
    from transcription.media import normalise_audio, probe

    t0 = time.perf_counter()
    engine = OpenAIWhisperEngine(model, cpu_threads=threads)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        probe(Path(original))
        audio = normalise_audio(Path(original), Path(tmp) / "audio.wav")
        prep = time.perf_counter() - t0
        result = engine.transcribe(audio)
    wall = time.perf_counter() - t0
    return {"load": load, "wall": wall, "prep": prep, "text": result.text,
            "language": result.language, "rss": peak_rss_mb()}  # fmt: skip


def openai_weights(model: str) -> str | None:
    """Why openai-whisper cannot run here, or None when it can."""
    from transcription.errors import TranscriptionError

    try:
        from transcription.engines.openai_whisper import resolve_checkpoint

        resolve_checkpoint(model)
    except TranscriptionError as e:
        return str(e)
    return None


def _child(conn: Any, func: Any, args: tuple[Any, ...]) -> None:
    conn.send(func(*args))
    conn.close()


def in_fresh_process(func: Any, *args: Any) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, func, args))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="minutes of speech per language")
    parser.add_argument("--model", default="base")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: library default)")
    parser.add_argument("--languages", default="en,es")
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="never use the batched decoder, even for long audio",
    )
    parser.add_argument(
        "--openai-model", default="base", help="openai-whisper checkpoint (.pt path or size name)"
    )
    args = parser.parse_args()

    import jiwer

    from transcription.engines.faster_whisper import BATCHED_FROM_SECONDS
    from transcription.media import normalise_audio
    from transcription.models import resolve_model

    model_path = resolve_model(args.model)
    print(f"model {args.model} -> {model_path}; {args.minutes} min per language", flush=True)
    openai_missing = openai_weights(args.openai_model)
    rows = []
    with tempfile.TemporaryDirectory(prefix="testimonio-bench-") as tmp:
        for lang in args.languages.split(","):
            original, text = make_speech(lang, args.minutes, Path(tmp) / f"{lang}.wav")
            wav16k = normalise_audio(original, Path(tmp) / f"{lang}-16k.wav")
            seconds = wav_seconds(original)
            reference = normalise_text(text)
            batched = not args.sequential and seconds >= BATCHED_FROM_SECONDS
            modes = [("raw", run_raw, model_path), ("pipeline", run_pipeline, args.model)]
            if openai_missing is None:
                modes.append(("openai", run_openai, args.openai_model))
            for mode, func, first in modes:
                source = str(wav16k if mode == "raw" else original)
                out = in_fresh_process(func, first, source, args.threads, batched)
                wer = jiwer.wer(reference, normalise_text(out["text"]))
                rows.append((lang, mode, seconds, out, wer))
                print(f"  {lang} {mode}: done in {out['wall']:.1f} s", file=sys.stderr, flush=True)

    print()
    decoder = "sequential" if args.sequential else f"batched from {BATCHED_FROM_SECONDS:.0f} s"
    print(f"faster-whisper decoder: {decoder}")
    if openai_missing is not None:
        print(f"openai-whisper: skipped: no real openai-whisper weights ({openai_missing})")
    header = (
        f"{'lang':4} {'mode':8} {'audio s':>8} {'load s':>7} {'wall s':>7} {'RTF':>6} "
        f"{'WER':>6} {'peak RSS MB':>11} {'detected':>8} {'ffmpeg s':>8} {'overhead':>9}"
    )
    print(header)
    print("-" * len(header))
    raw_wall: dict[str, float] = {}
    for lang, mode, seconds, out, wer in rows:
        if mode == "raw":
            raw_wall[lang] = out["wall"]
            overhead = ""
        elif mode == "openai":
            overhead = "(other)"
        else:
            overhead = f"{100 * (out['wall'] / raw_wall[lang] - 1):+.1f}%"
        print(
            f"{lang:4} {mode:8} {seconds:8.1f} {out['load']:7.2f} {out['wall']:7.1f} "
            f"{out['wall'] / seconds:6.3f} {wer:6.3f} {out['rss']:11.0f} {out['language']:>8} "
            f"{out.get('prep', 0.0):8.2f} {overhead:>9}"
        )


if __name__ == "__main__":
    main()
