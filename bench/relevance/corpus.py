"""The judged corpus: fictional composite testimonies, voiced with espeak-ng at build time.

Twenty-three testimonies on the themes of the archive's thesaurus, in
English and Spanish (corpus_en.py, corpus_es.py), two of them restricted
(researchers, staff) so the benchmark also checks that an anonymous
question never reaches them. None is a real person. A few sentences carry
a mistake of the kind Whisper makes (a homophone for a term), written into
the text so the transcript is sure to have it.

Each sentence is voiced on its own and the recording is their
concatenation with a pause between, so the time range of every sentence
is known exactly: that is what the judgments in queries.py point at.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from corpus_en import ENGLISH
from corpus_es import SPANISH

TESTIMONIES: list[dict] = [
    *({**t, "language": "en"} for t in ENGLISH),
    *({**t, "language": "es"} for t in SPANISH),
]
# espeak-ng's rate (its nominal words a minute): slower than the demo's, so
# every testimony lasts two to four minutes and stays easy to transcribe.
RATE = {"en": 95, "es": 110}
PAUSE_SECONDS = 0.8
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Voiced:
    path: Path
    sentences: list[tuple[float, float]]  # (start, end) of each sentence, seconds
    duration: float


def corpus_hash() -> str:
    """Changes whenever a text, a voice or the voicing does: the cached build is then stale."""
    payload = json.dumps([TESTIMONIES, RATE, PAUSE_SECONDS], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _seconds(wav: Path) -> float:
    return float(_run("soxi", "-D", str(wav)).strip())


def voice(testimony: dict, folder: Path) -> Voiced:
    """Speak every sentence, join them with pauses, encode as Opus; say where each sentence is."""
    for tool in ("espeak-ng", "sox", "soxi", "ffmpeg"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed to voice the corpus (make install brings it)")
    folder.mkdir(parents=True, exist_ok=True)
    rate = RATE[testimony["language"]]
    silence = folder / "pause.wav"
    _run("sox", "-n", "-r", str(SAMPLE_RATE), "-c", "1", str(silence), "trim", "0",
         str(PAUSE_SECONDS))  # fmt: skip
    parts: list[Path] = []
    ranges: list[tuple[float, float]] = []
    clock = 0.0
    for number, sentence in enumerate(testimony["sentences"]):
        raw = folder / f"raw{number}.wav"
        part = folder / f"part{number}.wav"
        _run("espeak-ng", "-v", testimony["voice"], "-s", str(rate), "-g", "4", "-w", str(raw),
             sentence)  # fmt: skip
        _run("sox", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", str(part))
        length = _seconds(part)
        ranges.append((round(clock, 3), round(clock + length, 3)))
        clock += length + PAUSE_SECONDS
        parts += [part, silence]
    joined = folder / "joined.wav"
    _run("sox", *map(str, parts[:-1]), str(joined))
    out = folder / f"{testimony['slug']}.opus"
    _run("ffmpeg", "-v", "error", "-y", "-i", str(joined), "-c:a", "libopus", "-b:a", "24k",
         "-map_metadata", "-1", str(out))  # fmt: skip
    duration = _seconds(joined)
    for path in folder.glob("*.wav"):
        path.unlink()
    return Voiced(out, ranges, duration)
