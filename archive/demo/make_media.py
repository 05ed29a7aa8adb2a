"""Voice the demo testimonies with espeak-ng and encode them as small Opus files.

Run from the repository root::

    .venv/bin/python archive/demo/make_media.py [--force] [SLUG ...]

Reads archive/demo/testimonies.json and writes archive/demo/media/<media> for each
testimony: mono Opus in Ogg, 16 kHz, 20 kbit/s, with all container metadata stripped.
Existing files are kept unless --force is given. Needs espeak-ng and ffmpeg on PATH.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTIMONIES = HERE / "testimonies.json"
MEDIA_DIR = HERE / "media"

WORDS_PER_MINUTE = 150
SAMPLE_RATE = 16000
BITRATE = "20k"


def load_testimonies(path: Path = TESTIMONIES) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def synthesize(text: str, voice: str, wav: Path) -> None:
    """Speak ``text`` with espeak-ng into a WAV file (text passed on stdin)."""
    subprocess.run(
        [
            "espeak-ng", "-v", voice, "-s", str(WORDS_PER_MINUTE), "-g", "4",
            "--stdin", "-w", str(wav),
        ],
        input=text.encode("utf-8"),
        check=True,
        capture_output=True,
    )  # fmt: skip


def encode_opus(wav: Path, out: Path) -> None:
    """Encode ``wav`` to mono Opus-in-Ogg with no metadata, atomically replacing ``out``."""
    tmp = out.with_name(out.name + ".part")
    subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-i", str(wav),
            "-map", "0:a:0",
            "-ac", "1", "-ar", str(SAMPLE_RATE),
            "-c:a", "libopus", "-b:a", BITRATE, "-application", "voip",
            "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
            "-f", "ogg", str(tmp),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    tmp.replace(out)


def make_one(testimony: dict, *, force: bool = False) -> Path:
    out = MEDIA_DIR / testimony["media"]
    if out.exists() and not force:
        return out
    with tempfile.TemporaryDirectory(prefix="testimonio-demo-") as tmpdir:
        wav = Path(tmpdir) / "speech.wav"
        synthesize(testimony["text"], testimony["voice"], wav)
        encode_opus(wav, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="only these testimonies (default: all)")
    parser.add_argument("--force", action="store_true", help="re-create existing files")
    args = parser.parse_args(argv)

    for tool in ("espeak-ng", "ffmpeg"):
        if shutil.which(tool) is None:
            print(f"error: {tool} not found on PATH", file=sys.stderr)
            return 2

    testimonies = load_testimonies()
    known = {t["slug"] for t in testimonies}
    unknown = set(args.slugs) - known
    if unknown:
        print(f"error: unknown slug(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    MEDIA_DIR.mkdir(parents=True, exist_ok=True)
    for testimony in testimonies:
        if args.slugs and testimony["slug"] not in args.slugs:
            continue
        out = make_one(testimony, force=args.force)
        print(f"{out.relative_to(HERE.parent.parent)}  {out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
