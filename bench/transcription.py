"""Transcription benchmark: speed, accuracy and coverage, on generated testimony.

    python bench/transcription.py [--minutes 10] [--model base] [--threads 0]
                                  [--openai-model base]
    python bench/transcription.py --compare [--set 4] [--set-minutes 2.5]
                                  [--settings NAME,...] [--reuse]
    python bench/transcription.py --long 10,30,60 [--reuse]

Recordings are espeak-ng sentences with pauses (bench/speech.py), English and
Spanish, made once and cached under bench/out/recordings/. Every run is a
fresh process (so peak RSS is its own) and saves what it transcribed under
bench/out/runs/; --reuse prints a table from saved runs instead of running
them again (a long run that was interrupted picks up where it stopped).

Default mode, per language on --minutes of speech:
  raw       faster_whisper.WhisperModel.transcribe with the library's defaults
            on the already-normalised 16 kHz WAV
  pipeline  what the archive runs: probe + normalise_audio + the engine's
            decoding + the coverage check and its re-decoding
  openai    openai-whisper, where real weights are on this machine

--compare: decoding settings side by side on --set recordings per language
(seeds 1..N): WER, RTF, coverage (transcribed over detected speech) and the
longest untranscribed stretch, for the first pass and after the coverage
check has re-decoded what failed. Coverage is measured against Silero VAD's
speech regions (transcription.coverage.speech_regions).

--long: the pipeline on long recordings (minutes per language, seed 0):
RTF, WER, coverage, longest gap, issues left, seconds re-decoded.

On this 2-core machine shared with other work the RTF column moves with the
load; WER and coverage do not.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from speech import Recording, recording  # noqa: E402

RUNS = Path(__file__).resolve().parent / "out" / "runs"

FW_DEFAULTS: dict[str, Any] = {
    # WhisperModel.transcribe's own defaults, written out.
    "beam_size": 5,
    "vad_filter": False,
    "word_timestamps": False,
    "condition_on_previous_text": True,
}

#: The decoding settings compared by --compare. Everything not named is
#: faster-whisper's default (temperature fallback 0.0-1.0, best_of 5, ...).
SETTINGS: dict[str, dict[str, Any]] = {
    "fw-default": FW_DEFAULTS,
    "fw-default+words": {**FW_DEFAULTS, "word_timestamps": True},
    "previous": {
        "beam_size": 5,
        "vad_filter": True,
        "word_timestamps": True,
        "condition_on_previous_text": False,
    },
    "vad+prev": {
        "beam_size": 5,
        "vad_filter": True,
        "word_timestamps": True,
        "condition_on_previous_text": True,
    },
    "novad+noprev": {
        "beam_size": 5,
        "vad_filter": False,
        "word_timestamps": True,
        "condition_on_previous_text": False,
    },
    "vad+prev+multi": {
        "beam_size": 5,
        "vad_filter": True,
        "word_timestamps": True,
        "condition_on_previous_text": True,
        "multilingual": True,
    },
    "vad+noprev+multi": {
        "beam_size": 5,
        "vad_filter": True,
        "word_timestamps": True,
        "condition_on_previous_text": False,
        "multilingual": True,
    },
    "vad500+prev": {
        "beam_size": 5,
        "vad_filter": True,
        "vad_parameters": {"min_silence_duration_ms": 500},
        "word_timestamps": True,
        "condition_on_previous_text": True,
    },
    "vad+prev+greedy": {
        "beam_size": 1,
        "vad_filter": True,
        "word_timestamps": True,
        "condition_on_previous_text": True,
    },
    "vad+prev+nofallback": {
        "beam_size": 5,
        "vad_filter": True,
        "word_timestamps": True,
        "condition_on_previous_text": True,
        "temperature": 0.0,
    },
    "vad+prev+halluc2": {
        "beam_size": 5,
        "vad_filter": True,
        "word_timestamps": True,
        "condition_on_previous_text": True,
        "hallucination_silence_threshold": 2.0,
    },
}


def normalise_text(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    return float(jiwer.wer(normalise_text(reference), normalise_text(hypothesis) or "-"))


def peak_rss_mb() -> float:
    # Linux reports kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _figures(checked: Any) -> dict[str, Any]:
    report = checked.report
    return {
        "text": checked.result.text,
        "coverage": report.coverage,
        "speech_seconds": report.speech_seconds,
        "longest_gap": report.longest_gap,
        "issues": [i.as_dict() for i in report.issues],
        "languages": report.language_seconds(),
        "redecoded_seconds": report.redecoded_seconds,
        "repaired": report.repaired,
        "segments": [[round(s.start, 2), round(s.end, 2), s.language, s.text]
                     for s in checked.result.segments],
    }  # fmt: skip


def run_settings(
    model: str, wav: str, threads: int, decoding: dict[str, Any], batched: bool
) -> dict[str, Any]:
    """One recording, one decoding: the first pass, then the coverage check's repair."""
    from transcription.coverage import repair, speech_regions
    from transcription.engines.faster_whisper import FasterWhisperEngine

    t0 = time.perf_counter()
    engine = FasterWhisperEngine(
        model,
        cpu_threads=threads,
        decoding=decoding,
        batched_from_seconds=0.0 if batched else float("inf"),
    )
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = engine.transcribe(Path(wav))
    first_wall = time.perf_counter() - t0
    t1 = time.perf_counter()
    regions = speech_regions(Path(wav))
    first = repair(engine, Path(wav), result, regions=regions, redecode=False)
    checked = repair(engine, Path(wav), result, regions=regions)
    wall = first_wall + time.perf_counter() - t1
    return {"load": load, "first_wall": first_wall, "wall": wall, "rss": peak_rss_mb(),
            "language": result.language, "first": _figures(first),
            "checked": _figures(checked)}  # fmt: skip


def run_raw(model: str, wav: str, threads: int) -> dict[str, Any]:
    """faster-whisper exactly as its README calls it: WhisperModel(...).transcribe(path)."""
    from faster_whisper import WhisperModel

    from transcription.models import resolve_model

    t0 = time.perf_counter()
    engine = WhisperModel(resolve_model(model), device="cpu", compute_type="int8",
                          cpu_threads=threads)  # fmt: skip
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    segments, info = engine.transcribe(wav)
    text = " ".join(s.text.strip() for s in segments)
    wall = time.perf_counter() - t0
    return {"load": load, "wall": wall, "text": text, "language": info.language,
            "rss": peak_rss_mb()}  # fmt: skip


def run_pipeline(model: str, original: str, threads: int) -> dict[str, Any]:
    from transcription.coverage import transcribe_checked
    from transcription.engines import get_engine
    from transcription.media import normalise_audio, probe

    t0 = time.perf_counter()
    engine = get_engine(model, cpu_threads=threads)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        probe(Path(original))
        audio = normalise_audio(Path(original), Path(tmp) / "audio.wav")
        prep = time.perf_counter() - t0
        checked = transcribe_checked(engine, audio)
    wall = time.perf_counter() - t0
    return {"load": load, "wall": wall, "prep": prep, "text": checked.result.text,
            "language": checked.result.language, "rss": peak_rss_mb(),
            **{k: v for k, v in _figures(checked).items() if k != "text"}}  # fmt: skip


def run_openai(model: str, original: str, threads: int) -> dict[str, Any]:
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


def saved_run(name: str, reuse: bool, func: Any, *args: Any) -> dict[str, Any]:
    """Run ``func`` in a fresh process and save its figures, or read them back with --reuse."""
    RUNS.mkdir(parents=True, exist_ok=True)
    path = RUNS / f"{name}.json"
    if reuse and path.exists():
        return json.loads(path.read_text())
    out = in_fresh_process(func, *args)
    path.write_text(json.dumps(out, ensure_ascii=False))
    return out


# --- modes -------------------------------------------------------------------------------------


def compare(args: argparse.Namespace) -> None:
    names = args.settings.split(",") if args.settings else list(SETTINGS)
    # NAME+batched: NAME's settings through faster-whisper's batched pipeline.
    unknown = [n for n in names if n.removesuffix("+batched") not in SETTINGS]
    if unknown:
        sys.exit(f"unknown settings {unknown}: choose from {', '.join(SETTINGS)}")
    recordings: list[Recording] = [
        recording(lang, args.set_minutes, seed)
        for lang in args.languages.split(",")
        for seed in range(1, args.set + 1)
    ]
    audio = sum(r.seconds for r in recordings)
    print(f"{len(recordings)} recordings, {audio / 60:.1f} min in all; model {args.model}")
    rows = []
    for name in names:
        per: dict[str, list[tuple[Recording, dict[str, Any]]]] = {}
        for rec in recordings:
            base = name.removesuffix("+batched")
            out = saved_run(
                f"compare-{args.model}-{name}-{rec.path.stem}", args.reuse, run_settings,
                args.model, str(rec.path), args.threads, SETTINGS[base], base != name,
            )  # fmt: skip
            per.setdefault(rec.language, []).append((rec, out))
            print(f"  {name} {rec.path.stem}: {out['wall']:.1f} s", file=sys.stderr, flush=True)
        rows.append((name, per))
    print()
    header = (
        f"{'settings':22} {'WER en':>7} {'WER es':>7} {'WER':>6} {'RTF':>6} "
        f"{'cover':>6} {'gap s':>6} | {'WER*':>6} {'RTF*':>6} {'cover*':>6} {'gap* s':>6} "
        f"{'left':>4}"
    )
    print("first pass | * after the coverage check's re-decoding; WER pooled over words")
    print(header)
    print("-" * len(header))
    for name, per in rows:
        print(_compare_row(name, per))


def _pooled_wer(pairs: list[tuple[Recording, dict[str, Any]]], key: str) -> float:
    import jiwer

    refs = [normalise_text(r.text) for r, _ in pairs]
    hyps = [normalise_text(o[key]["text"]) or "-" for _, o in pairs]
    return float(jiwer.wer(refs, hyps))


def _compare_row(name: str, per: dict[str, list[tuple[Recording, dict[str, Any]]]]) -> str:
    every = [pair for pairs in per.values() for pair in pairs]
    seconds = sum(r.seconds for r, _ in every)

    def cover(key: str) -> float:
        speech = sum(o[key]["speech_seconds"] for _, o in every)
        return sum(o[key]["coverage"] * o[key]["speech_seconds"] for _, o in every) / speech

    def gap(key: str) -> float:
        return max(o[key]["longest_gap"] for _, o in every)

    left = sum(len(o["checked"]["issues"]) for _, o in every)
    wers = {lang: _pooled_wer(pairs, "first") for lang, pairs in per.items()}
    return (
        f"{name:22} {wers.get('en', float('nan')):7.3f} {wers.get('es', float('nan')):7.3f} "
        f"{_pooled_wer(every, 'first'):6.3f} "
        f"{sum(o['first_wall'] for _, o in every) / seconds:6.3f} "
        f"{cover('first'):6.3f} {gap('first'):6.1f} | "
        f"{_pooled_wer(every, 'checked'):6.3f} {sum(o['wall'] for _, o in every) / seconds:6.3f} "
        f"{cover('checked'):6.3f} {gap('checked'):6.1f} {left:4d}"
    )


def long(args: argparse.Namespace) -> None:
    from transcription.engines.faster_whisper import DECODING

    lengths = [float(m) for m in args.long.split(",")]
    print(f"pipeline decoding {DECODING}; model {args.model}")
    header = (
        f"{'lang':4} {'minutes':>7} {'audio s':>8} {'wall s':>7} {'RTF':>6} {'WER':>6} "
        f"{'coverage':>8} {'gap s':>6} {'issues':>6} {'redecoded s':>11} {'RSS MB':>7}"
    )
    lines = []
    for lang in args.languages.split(","):
        for minutes in lengths:
            rec = recording(lang, minutes, 0)
            out = saved_run(
                f"long-{args.model}-{rec.path.stem}", args.reuse, run_pipeline,
                args.model, str(rec.path), args.threads,
            )  # fmt: skip
            print(f"  {rec.path.stem}: {out['wall']:.1f} s", file=sys.stderr, flush=True)
            lines.append(
                f"{lang:4} {minutes:7g} {rec.seconds:8.1f} {out['wall']:7.1f} "
                f"{out['wall'] / rec.seconds:6.3f} {wer(rec.text, out['text']):6.3f} "
                f"{out['coverage']:8.4f} {out['longest_gap']:6.1f} {len(out['issues']):6d} "
                f"{out['redecoded_seconds']:11.1f} {out['rss']:7.0f}"
            )
            for issue in out["issues"]:
                lines.append(f"       left: {issue['message']}")
    print(header)
    print("-" * len(header))
    print("\n".join(lines))


def side_by_side(args: argparse.Namespace) -> None:
    openai_missing = openai_weights(args.openai_model)
    rows = []
    for lang in args.languages.split(","):
        rec = recording(lang, args.minutes, 0)
        modes: list[tuple[str, Any, str]] = [("raw", run_raw, args.model),
                                             ("pipeline", run_pipeline, args.model)]  # fmt: skip
        if openai_missing is None:
            modes.append(("openai", run_openai, args.openai_model))
        for mode, func, model in modes:
            out = saved_run(f"side-{mode}-{model}-{rec.path.stem}", args.reuse, func,
                            model, str(rec.path), args.threads)  # fmt: skip
            rows.append((lang, mode, rec, out))
            print(f"  {lang} {mode}: done in {out['wall']:.1f} s", file=sys.stderr, flush=True)
    print()
    if openai_missing is not None:
        print(f"openai-whisper: skipped: no real openai-whisper weights ({openai_missing})")
    header = (
        f"{'lang':4} {'mode':8} {'audio s':>8} {'load s':>7} {'wall s':>7} {'RTF':>6} "
        f"{'WER':>6} {'coverage':>8} {'gap s':>6} {'peak RSS MB':>11} {'detected':>8} "
        f"{'ffmpeg s':>8}"
    )
    print(header)
    print("-" * len(header))
    for lang, mode, rec, out in rows:
        coverage = f"{out['coverage']:8.4f}" if "coverage" in out else f"{'':8}"
        gap = f"{out['longest_gap']:6.1f}" if "longest_gap" in out else f"{'':6}"
        print(
            f"{lang:4} {mode:8} {rec.seconds:8.1f} {out['load']:7.2f} {out['wall']:7.1f} "
            f"{out['wall'] / rec.seconds:6.3f} {wer(rec.text, out['text']):6.3f} {coverage} "
            f"{gap} {out['rss']:11.0f} {out['language']:>8} {out.get('prep', 0.0):8.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="minutes of speech per language")
    parser.add_argument("--model", default="base")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: library default)")
    parser.add_argument("--languages", default="en,es")
    parser.add_argument(
        "--openai-model", default="base", help="openai-whisper checkpoint (.pt path or size name)"
    )
    parser.add_argument("--compare", action="store_true", help="compare decoding settings")
    parser.add_argument(
        "--settings",
        help=f"with --compare: some of {', '.join(SETTINGS)}; NAME+batched for the batched decoder",
    )
    parser.add_argument("--set", type=int, default=4, help="--compare recordings per language")
    parser.add_argument("--set-minutes", type=float, default=2.5, help="length of each")
    parser.add_argument("--long", help="minutes per long recording, e.g. 10,30,60")
    parser.add_argument("--reuse", action="store_true", help="read saved runs, run only missing")
    args = parser.parse_args()
    if args.compare:
        compare(args)
    elif args.long:
        long(args)
    else:
        side_by_side(args)


if __name__ == "__main__":
    main()
