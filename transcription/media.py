"""Every ffmpeg and ffprobe call of the project lives here.

Functions raise :class:`MediaError` with a message a person can act on and
ffmpeg's stderr on ``MediaError.stderr``; they never leave partial output.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from transcription.errors import MediaError

FFMPEG_HINT = "apt-get install ffmpeg or pip install testimonio[ffmpeg-binary]"

# ffmpeg's error output can be pages long; a person needs the first lines.
_STDERR_SHORT = 300


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    format_name: str
    audio_codec: str | None
    video_codec: str | None
    size_bytes: int

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None


def ffmpeg_binary() -> str:
    """Return the ffmpeg executable: $FFMPEG_BINARY, PATH, then imageio-ffmpeg.

    Raises MediaError when none is found.
    """
    found = os.environ.get("FFMPEG_BINARY") or shutil.which("ffmpeg")
    if not found:
        try:
            import imageio_ffmpeg
        except ImportError:
            imageio_ffmpeg = None
        if imageio_ffmpeg is not None:
            found = imageio_ffmpeg.get_ffmpeg_exe()
    if not found:
        raise MediaError(f"ffmpeg is not installed: {FFMPEG_HINT}")
    return found


def ffprobe_binary() -> str:
    """Return the ffprobe executable: $FFPROBE_BINARY, then PATH.

    imageio-ffmpeg ships no ffprobe, so without one on PATH this raises MediaError.
    """
    found = os.environ.get("FFPROBE_BINARY") or shutil.which("ffprobe")
    if not found:
        raise MediaError(
            "ffprobe is needed to read media files but was not found: apt-get install ffmpeg, "
            "or set FFPROBE_BINARY to its path"
        )
    return found


def _decode(stderr: bytes | None) -> str:
    return (stderr or b"").decode("utf-8", errors="replace").strip()


_CONTEXT_PREFIX = re.compile(r"^\[[^\]]* @ 0x[0-9a-f]+\]\s*")


def _short(stderr: str, path: Path | None = None) -> str:
    """First lines of ffmpeg's stderr, without pointer prefixes or our storage paths."""
    lines = [_CONTEXT_PREFIX.sub("", line).strip() for line in stderr.splitlines()]
    if path is not None:
        lines = [line.replace(str(path), path.name) for line in lines]
    lines = [line for line in lines if line]
    text = "; ".join(lines[:3])
    return text if len(text) <= _STDERR_SHORT else text[: _STDERR_SHORT - 1] + "…"


def _ffprobe(path: Path, **options: Any) -> dict[str, Any]:
    try:
        return ffmpeg.probe(str(path), cmd=ffprobe_binary(), v="error", **options)
    except ffmpeg.Error as e:
        stderr = _decode(e.stderr)
        raise MediaError(
            f"{path.name} is not a playable audio or video file (ffprobe: {_short(stderr, path)})",
            path=path,
            stderr=stderr,
        ) from e
    except OSError as e:
        raise MediaError(f"could not run ffprobe on {path.name}: {e}", path=path) from e


def _run(stream: Any, *, src: Path, what: str, output: Path | None = None) -> str:
    """Run an ffmpeg graph; return its stderr. On failure remove ``output``."""
    try:
        _, err = (
            stream.global_args("-nostdin", "-hide_banner", "-v", "error")
            .overwrite_output()
            .run(cmd=ffmpeg_binary(), capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as e:
        if output is not None:
            output.unlink(missing_ok=True)
        stderr = _decode(e.stderr)
        raise MediaError(
            f"could not {what} {src.name} (ffmpeg: {_short(stderr, src)})", path=src, stderr=stderr
        ) from e
    except BaseException as e:
        # Interrupted or ffmpeg missing: still no half-written file.
        if output is not None:
            output.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise MediaError(f"could not run ffmpeg to {what} {src.name}: {e}", path=src) from e
        raise
    return _decode(err)


def _check(path: Path) -> int:
    try:
        size = path.stat().st_size
    except FileNotFoundError as e:
        raise MediaError(f"{path} does not exist", path=path) from e
    except OSError as e:
        raise MediaError(f"cannot read {path}: {e.strerror}", path=path) from e
    if not path.is_file():
        raise MediaError(f"{path} is not a file", path=path)
    if size == 0:
        raise MediaError(f"{path.name} is empty (0 bytes): upload the recording again", path=path)
    return size


def _is_cover_art(stream: dict[str, Any]) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def probe(path: Path) -> MediaInfo:
    """Describe a media file, or raise MediaError if it cannot be transcribed.

    Besides ffprobe, the first audio stream is decoded once (fast, no output)
    so truncated or corrupt files are refused here rather than mid-transcription.
    """
    path = Path(path)
    size = _check(path)
    data = _ffprobe(path)
    streams = data.get("streams", [])
    fmt = data.get("format", {})
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    video = next(
        (s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)), None
    )
    if audio is None:
        raise MediaError(
            f"{path.name} has no audio stream: there is nothing to transcribe", path=path
        )
    try:
        duration = float(fmt.get("duration") or audio.get("duration") or 0.0)
    except ValueError:
        duration = 0.0
    if duration <= 0:
        raise MediaError(
            f"{path.name} has no playable duration: it may be truncated or still recording",
            path=path,
        )

    decode = ffmpeg.input(str(path)).output("-", map="0:a:0", format="null")
    stderr = _run(decode, src=path, what="decode")
    if stderr:
        raise MediaError(
            f"{path.name} is damaged or truncated (ffmpeg: {_short(stderr, path)}): "
            "upload the complete file again",
            path=path,
            stderr=stderr,
        )
    return MediaInfo(
        duration=duration,
        format_name=str(fmt.get("format_name", "")),
        audio_codec=audio.get("codec_name"),
        video_codec=video.get("codec_name") if video else None,
        size_bytes=size,
    )


def normalise_audio(src: Path, dest: Path) -> Path:
    """Write the first audio stream of ``src`` as 16 kHz mono PCM s16le WAV at ``dest``."""
    src, dest = Path(src), Path(dest)
    _check(src)
    stream = ffmpeg.input(str(src)).output(
        str(dest),
        map="0:a:0",
        ac=1,
        ar=16000,
        acodec="pcm_s16le",
        format="wav",
        map_metadata="-1",
        map_chapters="-1",
        fflags="+bitexact",
        **{"flags:a": "+bitexact"},
    )
    _run(stream, src=src, what="convert the audio of", output=dest)
    return dest


def make_web_derivative(src: Path, dest_dir: Path, info: MediaInfo, *, stem: str = "web") -> Path:
    """Encode a copy for the browser player, with every metadata tag removed.

    Audio-only -> ``<stem>.m4a`` (AAC 64k); video -> ``<stem>.mp4`` (H.264 + AAC).
    Container, stream and chapter metadata (GPS, device, names) are dropped and
    only the first video and audio streams are kept: subtitles, data tracks and
    attachments can carry the same private details.
    """
    src, dest_dir = Path(src), Path(dest_dir)
    _check(src)
    inp = ffmpeg.input(str(src))
    common: dict[str, Any] = {
        "map_metadata": "-1",
        "map_chapters": "-1",
        "fflags": "+bitexact",
        "flags:a": "+bitexact",
        "movflags": "+faststart",
        "acodec": "aac",
        "audio_bitrate": "64k",
        "sn": None,
        "dn": None,
    }
    if info.has_video:
        dest = dest_dir / f"{stem}.mp4"
        # "V" skips attached pictures; odd sizes are padded down for yuv420p.
        video = inp["V:0"].filter("scale", "trunc(iw/2)*2", "trunc(ih/2)*2")
        stream = ffmpeg.output(
            video,
            inp["a:0"],
            str(dest),
            format="mp4",
            vcodec="libx264",
            pix_fmt="yuv420p",
            crf=28,
            preset="veryfast",
            # x264 writes its version and settings into an SEI unit; drop SEI so the
            # file names no software version. ("Lavc libx264", without version,
            # stays as the MP4 compressor name: the muxer always writes it.)
            **{"flags:v": "+bitexact", "bsf:v": "filter_units=remove_types=6"},
            **common,
        )
    else:
        dest = dest_dir / f"{stem}.m4a"
        stream = ffmpeg.output(inp["a:0"], str(dest), format="ipod", vn=None, **common)
    _run(stream, src=src, what="encode a web copy of", output=dest)
    return dest


def read_metadata_tags(path: Path) -> dict[str, str]:
    """Return every metadata tag of a file, for tests and privacy audits.

    Format tags keep their names; stream and chapter tags are prefixed
    (``stream0:title``, ``chapter0:title``) so no value hides another.
    """
    path = Path(path)
    _check(path)
    data = _ffprobe(path, show_chapters=None)
    tags: dict[str, str] = {k: str(v) for k, v in data.get("format", {}).get("tags", {}).items()}
    for kind in ("streams", "chapters"):
        for i, item in enumerate(data.get(kind, [])):
            for key, value in item.get("tags", {}).items():
                tags[f"{kind[:-1]}{i}:{key}"] = str(value)
    return tags


# A 1 kHz tone is the broadcast convention for "something was said here that you may not hear".
BLEEP_FREQUENCY = 1000


def bleep(src: Path, dest: Path, spans: list[tuple[float, float]], *, video: bool) -> Path:
    """Encode a web copy of ``src`` with each (start, end) second span of its audio bleeped.

    Inside a span the original sound is silenced and replaced by a 1 kHz tone.
    The copy is made by :func:`make_web_derivative` (same containers, codecs
    and metadata stripping), beside ``dest`` and named after its stem:
    ``<stem>.m4a``, or ``<stem>.mp4`` when ``video``. Returns its path.
    ``src`` is only read.
    """
    src, dest = Path(src), Path(dest)
    _check(src)
    merged: list[tuple[float, float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in spans if b > a):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((max(0.0, start), end))

    inp = ffmpeg.input(str(src))
    audio = inp["a:0"]
    if merged:
        inside = "+".join(f"between(t,{start:.3f},{end:.3f})" for start, end in merged)
        stream = next(s for s in _ffprobe(src)["streams"] if s.get("codec_type") == "audio")
        tone = ffmpeg.input(
            f"sine=frequency={BLEEP_FREQUENCY}:sample_rate={stream.get('sample_rate') or 48000}",
            format="lavfi",
        )
        layout = stream.get("channel_layout")
        if layout:
            # Same layout as the speech, so mixing never down- or up-mixes the original.
            tone = tone.filter("aformat", channel_layouts=layout)
        tone = tone.filter("volume", volume=0, enable=f"not({inside})")
        muted = audio.filter("volume", volume=0, enable=inside)
        audio = ffmpeg.filter([muted, tone], "amix", inputs=2, duration="first", normalize=0)

    # A lossless intermediate (video copied, audio FLAC) that make_web_derivative
    # then encodes, so the public copy is made exactly as every other one is.
    dest.parent.mkdir(parents=True, exist_ok=True)
    intermediate = dest.parent / f".{dest.stem}-bleeped.mkv"
    streams = [inp["V:0"], audio] if video else [audio]
    options: dict[str, Any] = {"acodec": "flac", "map_metadata": "-1", "map_chapters": "-1"}
    if video:
        options["vcodec"] = "copy"
    try:
        _run(
            ffmpeg.output(*streams, str(intermediate), format="matroska", **options),
            src=src,
            what="bleep the audio of",
            output=intermediate,
        )
        return make_web_derivative(intermediate, dest.parent, probe(intermediate), stem=dest.stem)
    finally:
        intermediate.unlink(missing_ok=True)


def remux(src: Path, dest: Path, *, container: str) -> Path:
    """Copy the streams of `src` into a fresh `container` (no re-encoding).

    Browser MediaRecorder output is written as a live stream with no duration
    in its header; a remux writes one. Raises MediaError; leaves no partial file.
    """
    try:
        (
            ffmpeg.input(str(src))
            .output(str(dest), c="copy", f=container)
            .global_args("-nostdin", "-hide_banner", "-v", "error")
            .overwrite_output()
            .run(cmd=ffmpeg_binary(), capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as e:
        dest.unlink(missing_ok=True)
        stderr = _decode(e.stderr)
        raise MediaError(
            f"could not rewrite {src.name}: {_short(stderr)}", path=src, stderr=stderr
        ) from e
    except OSError as e:
        dest.unlink(missing_ok=True)
        raise MediaError(f"could not run ffmpeg to rewrite {src.name}: {e}", path=src) from e
    return dest
