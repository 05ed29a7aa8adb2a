"""Is every stretch of speech transcribed, once? The check after every transcription.

Whisper fails quietly: a window it judges silent is skipped, a decode loops
on one phrase to the end of its 30-second window, a segment's times stretch
over speech its words never fill. Each of these looks like a complete
transcript, and an archive would publish it as one. This module compares
what was transcribed with where the voice-activity detector hears speech,
sends what fails back to the engine with careful settings
(``Redecoder.redecode``), keeps a new decode only where it is better, and
reports what still fails, with where it is, for a person to look at.

It knows nothing of the archive: typed values in, typed values out.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from transcription.engines.base import (
    Engine,
    ProgressCallback,
    Redecoder,
    Segment,
    TranscriptionResult,
)

SAMPLE_RATE = 16000

#: Voice-activity detection for the check (Silero VAD, bundled with
#: faster-whisper). Finer than the decoder's own (500 ms of silence ends a
#: region, not 2 s) so a region is speech, not speech with pauses in it; and
#: no region is longer than CLIP_SECONDS, split at its quietest 100 ms, so a
#: region is also a window short enough to decode again on its own.
CLIP_SECONDS = 15.0
VAD_OPTIONS: dict[str, Any] = {
    "threshold": 0.5,
    "min_speech_duration_ms": 250,
    "min_silence_duration_ms": 500,
    "speech_pad_ms": 200,
    "max_speech_duration_s": CLIP_SECONDS,
}

#: A word covers the speech this far (seconds) either side of its timestamps,
#: which Whisper places to a few tenths of a second.
WORD_PAD = 0.5
#: No word covers more than this (seconds) of speech: the aligner stretches a
#: word over audio it could not place, and that audio is not transcribed.
MAX_WORD = 2.0
#: Untranscribed pieces of speech closer than this (seconds) are one stretch.
JOIN = 1.5
#: A stretch of at least this much untranscribed speech (seconds) is a gap.
GAP_SECONDS = 3.0
#: A segment holding more detected speech than OVERLONG_SLACK + PER_WORD per
#: word is longer than its words can fill (slow speech is about 0.7 s a word).
OVERLONG_SLACK = 4.0
PER_WORD = 1.0
#: Whisper's own thresholds for a decode to trust: text that compresses more
#: than this repeats itself; a mean log-probability under this is a guess.
COMPRESSION_RATIO = 2.4
LOG_PROB = -1.0
#: The most audio (seconds, and share of the recording) decoded a second time,
#: so an hour of music is flagged in minutes, not transcribed twice.
REDECODE_BUDGET_SECONDS = 120.0
REDECODE_BUDGET_SHARE = 0.3


class IssueKind(StrEnum):
    GAP = "gap"
    LOOP = "loop"
    OVERLONG = "overlong"
    UNSURE = "unsure"
    UNHEARD = "unheard"
    NO_SPEECH = "no_speech"


#: Kinds a careful second decode can repair; the others need a person.
REPAIRABLE = frozenset({IssueKind.GAP, IssueKind.LOOP, IssueKind.OVERLONG, IssueKind.UNSURE})


@dataclass(frozen=True)
class Span:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass(frozen=True)
class Issue:
    """One place where the transcript cannot be trusted to say what was said."""

    kind: IssueKind
    start: float
    end: float
    #: Detected speech inside the span (seconds).
    speech_seconds: float
    #: A few words of the text concerned, where there is text.
    text: str = ""

    @property
    def message(self) -> str:
        where = clock(self.start)
        span = f"{clock(self.start)}–{clock(self.end)}"
        quote = f" (“{self.text}”)" if self.text else ""
        if self.kind == IssueKind.GAP:
            return f"{self.speech_seconds:.0f} s of speech not transcribed at {where}"
        if self.kind == IssueKind.LOOP:
            return f"the text at {span} repeats itself{quote}"
        if self.kind == IssueKind.OVERLONG:
            return (
                f"a segment at {span} is longer than its words can fill "
                f"({self.speech_seconds:.0f} s of speech){quote}"
            )
        if self.kind == IssueKind.UNSURE:
            return f"the decoder was unsure of the text at {span}{quote}"
        if self.kind == IssueKind.UNHEARD:
            return f"text at {where} where no speech was heard: it may be invented{quote}"
        return f"no speech found in the recording ({clock(self.end)} of sound)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "speech_seconds": round(self.speech_seconds, 1),
            "text": self.text,
            "message": self.message,
        }


@dataclass(frozen=True)
class LanguageSpan:
    language: str
    start: float
    end: float


@dataclass(frozen=True)
class CoverageReport:
    """What the check found: figures for the whole recording and what still fails."""

    duration: float
    speech_seconds: float
    transcribed_seconds: float
    #: The longest stretch of untranscribed speech (seconds), gap or not.
    longest_gap: float
    issues: tuple[Issue, ...] = ()
    languages: tuple[LanguageSpan, ...] = ()
    #: Audio decoded a second time (seconds) and issues that decode repaired.
    redecoded_seconds: float = 0.0
    repaired: int = 0

    @property
    def coverage(self) -> float:
        """Transcribed speech over detected speech; 1.0 where no speech was detected."""
        if self.speech_seconds <= 0:
            return 1.0
        return min(1.0, self.transcribed_seconds / self.speech_seconds)

    def language_seconds(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for span in self.languages:
            totals[span.language] = totals.get(span.language, 0.0) + (span.end - span.start)
        return totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "duration": round(self.duration, 2),
            "speech_seconds": round(self.speech_seconds, 1),
            "transcribed_seconds": round(self.transcribed_seconds, 1),
            "coverage": round(self.coverage, 4),
            "longest_gap": round(self.longest_gap, 1),
            "issues": [issue.as_dict() for issue in self.issues],
            "languages": [
                {"language": s.language, "start": round(s.start, 2), "end": round(s.end, 2)}
                for s in self.languages
            ],
            "redecoded_seconds": round(self.redecoded_seconds, 1),
            "repaired": self.repaired,
        }


@dataclass(frozen=True)
class CheckedTranscription:
    result: TranscriptionResult
    report: CoverageReport
    regions: tuple[Span, ...] = field(default=(), repr=False)


def clock(seconds: float) -> str:
    """0:30, 12:05, 1:02:03: how an editor reads a time in a recording."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# --- where the speech is -----------------------------------------------------------------------


def speech_regions(audio: Path | Any) -> tuple[Span, ...]:
    """Stretches of speech in ``audio`` (a 16 kHz file or float samples), by Silero VAD.

    Fast: half an hour of audio takes a few seconds on one CPU core.
    """
    from faster_whisper.audio import decode_audio
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    samples = audio
    if isinstance(audio, (str, Path)):
        samples = decode_audio(str(audio), sampling_rate=SAMPLE_RATE)
    chunks = get_speech_timestamps(samples, VadOptions(**VAD_OPTIONS))
    return tuple(Span(c["start"] / SAMPLE_RATE, c["end"] / SAMPLE_RATE) for c in chunks)


# --- interval arithmetic -----------------------------------------------------------------------


def _union(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(
    spans: Sequence[tuple[float, float]], minus: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """``spans`` less ``minus``; both sorted and disjoint."""
    out: list[tuple[float, float]] = []
    j = 0
    for start, end in spans:
        cursor = start
        while j < len(minus) and minus[j][1] <= cursor:
            j += 1
        k = j
        while k < len(minus) and minus[k][0] < end:
            if minus[k][0] > cursor:
                out.append((cursor, minus[k][0]))
            cursor = max(cursor, minus[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def _overlap(spans: Sequence[tuple[float, float]], start: float, end: float) -> float:
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)


def _total(spans: Iterable[tuple[float, float]]) -> float:
    return sum(b - a for a, b in spans)


# --- the checks --------------------------------------------------------------------------------

_WORD = re.compile(r"\w+(?:'\w+)?")


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def repeats_itself(text: str) -> bool:
    """True for text that loops: a phrase said over and over, or text that compresses too well.

    A phrase of n words repeated back to back at least three times, covering
    at least eight words, is a decoder loop; people repeat a word or two for
    emphasis, not a clause three times running.
    """
    tokens = _tokens(text)
    for n in range(1, min(12, len(tokens) // 3) + 1):
        i = 0
        while i + n <= len(tokens):
            times = 1
            while tokens[i + times * n : i + (times + 1) * n] == tokens[i : i + n]:
                times += 1
            if times >= 3 and times * n >= 8:
                return True
            i += max(1, (times - 1) * n) if times > 1 else 1
    data = text.encode("utf-8")
    return len(data) >= 100 and len(data) / len(zlib.compress(data)) > COMPRESSION_RATIO


def _excerpt(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def _covered(segments: Sequence[Segment], skip: set[int]) -> list[tuple[float, float]]:
    spans: list[tuple[float, float]] = []
    for number, segment in enumerate(segments):
        if number in skip or not segment.text.strip():
            continue
        if segment.words:
            spans.extend(
                (w.start - WORD_PAD, min(w.end, w.start + MAX_WORD) + WORD_PAD)
                for w in segment.words
            )
        else:
            spans.append((segment.start, segment.end))
    return _union(spans)


def _looping(segments: Sequence[Segment]) -> set[int]:
    """Indexes of segments that loop, alone or as a run of the same text."""
    looping = {i for i, s in enumerate(segments) if repeats_itself(s.text)}
    run_start = 0
    for i in range(1, len(segments) + 1):
        same = i < len(segments) and _tokens(segments[i].text) == _tokens(segments[run_start].text)
        if not same:
            if i - run_start >= 3 and _tokens(segments[run_start].text):
                looping.update(range(run_start, i))
            run_start = i
    return looping


@dataclass(frozen=True)
class _Findings:
    issues: tuple[Issue, ...]
    speech_seconds: float
    transcribed_seconds: float
    longest_gap: float
    #: Speech (seconds) the transcript does not cover or covers with bad text.
    badness: float


def _find(
    segments: Sequence[Segment], regions: Sequence[tuple[float, float]], duration: float
) -> _Findings:
    speech = _total(regions)
    looping = _looping(segments)
    covered = _covered(segments, looping)
    uncovered = _subtract(regions, covered)
    issues: list[Issue] = []
    bad = 0.0

    stretches: list[list[tuple[float, float]]] = []
    for piece in uncovered:
        if stretches and piece[0] - stretches[-1][-1][1] < JOIN:
            stretches[-1].append(piece)
        else:
            stretches.append([piece])
    longest = 0.0
    for stretch in stretches:
        seconds = _total(stretch)
        longest = max(longest, seconds)
        if seconds >= GAP_SECONDS:
            issues.append(Issue(IssueKind.GAP, stretch[0][0], stretch[-1][1], seconds))
    bad += _total(uncovered)

    gaps = [(i.start, i.end) for i in issues]
    for number, segment in enumerate(segments):
        if not segment.text.strip():
            continue
        heard = _overlap(regions, segment.start, segment.end)
        excerpt = _excerpt(segment.text)
        if number in looping:
            issues.append(Issue(IssueKind.LOOP, segment.start, segment.end, heard, excerpt))
            bad += heard
            continue
        if segment.avg_logprob is not None and segment.avg_logprob < LOG_PROB:
            issues.append(Issue(IssueKind.UNSURE, segment.start, segment.end, heard, excerpt))
            bad += heard
            continue
        words = len(_tokens(segment.text))
        if heard > OVERLONG_SLACK + PER_WORD * words and not _overlap(
            gaps, segment.start, segment.end
        ):
            issues.append(Issue(IssueKind.OVERLONG, segment.start, segment.end, heard, excerpt))
            bad += heard - PER_WORD * words
            continue
        if (
            speech > 0
            and segment.end - segment.start >= 0.5
            and _overlap(regions, segment.start - WORD_PAD, segment.end + WORD_PAD) == 0
        ):
            issues.append(Issue(IssueKind.UNHEARD, segment.start, segment.end, 0.0, excerpt))

    if speech < 1.0 and not any(s.text.strip() for s in segments):
        issues.append(Issue(IssueKind.NO_SPEECH, 0.0, duration, speech))
    return _Findings(
        issues=tuple(_merge_issues(issues)),
        speech_seconds=speech,
        transcribed_seconds=max(0.0, speech - _total(uncovered)),
        longest_gap=longest,
        badness=bad,
    )


def _merge_issues(issues: Iterable[Issue]) -> list[Issue]:
    """One issue for a run of the same kind (a loop over three segments is one loop)."""
    merged: list[Issue] = []
    for issue in sorted(issues, key=lambda i: (i.start, i.end)):
        last = next((m for m in reversed(merged) if m.kind == issue.kind), None)
        if last is not None and issue.start - last.end <= 1.0 and issue.kind != IssueKind.GAP:
            merged[merged.index(last)] = replace(
                last,
                end=max(last.end, issue.end),
                speech_seconds=last.speech_seconds + issue.speech_seconds,
            )
        else:
            merged.append(issue)
    return merged


def _languages(segments: Sequence[Segment], default: str) -> tuple[LanguageSpan, ...]:
    spans: list[LanguageSpan] = []
    for segment in segments:
        if not segment.text.strip():
            continue
        language = segment.language or default
        if spans and spans[-1].language == language:
            spans[-1] = replace(spans[-1], end=max(spans[-1].end, segment.end))
        else:
            spans.append(LanguageSpan(language, segment.start, segment.end))
    return tuple(spans)


def check(
    segments: Sequence[Segment],
    regions: Sequence[Span],
    *,
    duration: float,
    language: str = "",
) -> CoverageReport:
    """Compare ``segments`` with the speech ``regions``; nothing is decoded here."""
    found = _find(segments, [(r.start, r.end) for r in regions], duration)
    return CoverageReport(
        duration=duration,
        speech_seconds=found.speech_seconds,
        transcribed_seconds=found.transcribed_seconds,
        longest_gap=found.longest_gap,
        issues=found.issues,
        languages=_languages(segments, language),
    )


# --- decoding again ----------------------------------------------------------------------------


def _windows(
    issues: Sequence[Issue],
    segments: Sequence[Segment],
    regions: Sequence[tuple[float, float]],
    duration: float,
) -> list[tuple[float, float]]:
    """Stretches to decode again: each issue widened to whole segments and whole regions.

    Widened so that a window starts and ends in silence and replaces whole
    segments, never half of one.
    """
    spans = [(s.start, s.end) for s in segments if s.text.strip()]

    def whole_segments(start: float, end: float) -> tuple[float, float]:
        grown = True
        while grown:
            grown = False
            for a, b in spans:
                if a < end and start < b and (a < start or b > end):
                    start, end, grown = min(start, a), max(end, b), True
        return start, end

    windows = []
    for issue in issues:
        if issue.kind not in REPAIRABLE:
            continue
        start, end = whole_segments(issue.start, issue.end)
        # Edges moved out to the silence around the speech they fall in...
        start = next((a for a, b in regions if a <= start < b), start)
        end = next((b for a, b in regions if a < end <= b), end)
        # ...and to whole segments again, once (a chain would swallow the recording).
        start, end = whole_segments(start, end)
        windows.append((max(0.0, start), min(duration, end)))
    return _union(windows)


def _clips(
    window: tuple[float, float], regions: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The window's speech regions, grouped into clips no longer than CLIP_SECONDS."""
    inside = [(max(a, window[0]), min(b, window[1])) for a, b in regions]
    inside = [(a, b) for a, b in inside if b > a]
    clips: list[tuple[float, float]] = []
    for start, end in inside:
        if clips and end - clips[-1][0] <= CLIP_SECONDS:
            clips[-1] = (clips[-1][0], end)
        else:
            clips.append((start, end))
    return clips


def _inside(segment: Segment, window: tuple[float, float]) -> bool:
    middle = (segment.start + segment.end) / 2
    return window[0] <= middle < window[1]


def transcribe_checked(
    engine: Engine,
    audio: Path,
    *,
    language: str | None = None,
    task: str = "transcribe",
    progress: ProgressCallback | None = None,
    redecode: bool = True,
) -> CheckedTranscription:
    """Transcribe ``audio`` (16 kHz WAV), check its coverage, repair what a second decode can.

    A window is decoded again (clips of at most CLIP_SECONDS, each alone,
    with temperature fallback and no previous text as prompt) when it has a
    gap, a loop, a guess or an overlong segment; the new text replaces the
    old only where it leaves less speech untranscribed or badly transcribed.
    ``report.issues`` is what is still wrong afterwards.
    Raises TranscriptionError when the engine fails.
    """
    result = engine.transcribe(audio, language=language, task=task, progress=progress)
    return repair(
        engine, audio, result, language=language, task=task, progress=progress, redecode=redecode
    )


def repair(
    engine: Engine,
    audio: Path,
    result: TranscriptionResult,
    *,
    language: str | None = None,
    task: str = "transcribe",
    progress: ProgressCallback | None = None,
    redecode: bool = True,
    regions: Sequence[Span] | None = None,
) -> CheckedTranscription:
    """The check and repair half of transcribe_checked, for a first pass already made.

    ``regions`` may be given when they are known already (the benchmark
    computes them once per recording).
    """
    if regions is None:
        regions = speech_regions(audio)
    regions = tuple(regions)
    spans = [(r.start, r.end) for r in regions]
    segments = list(result.segments)
    first = _find(segments, spans, result.duration)
    redecoded = 0.0
    repaired = 0
    windows = _windows(first.issues, segments, spans, result.duration) if redecode else []
    if windows and isinstance(engine, Redecoder):
        budget = max(REDECODE_BUDGET_SECONDS, REDECODE_BUDGET_SHARE * result.duration)
        chosen: list[tuple[tuple[float, float], list[tuple[float, float]]]] = []
        for window in windows:
            clips = _clips(window, spans)
            seconds = _total(clips)
            if clips and redecoded + seconds <= budget:
                chosen.append((window, clips))
                redecoded += seconds

        def keep_alive(done: float, total: float) -> None:
            # The first pass is done; this keeps the caller's heartbeat and cancel check going.
            if progress is not None:
                progress(result.duration, result.duration)

        fresh = engine.redecode(
            audio,
            clips=tuple(clip for _, clips in chosen for clip in clips),
            language=language,
            task=task,
            progress=keep_alive,
        )
        for window, _ in chosen:
            old = [s for s in segments if _inside(s, window)]
            new = [s for s in fresh if _inside(s, window)]
            local = [(max(a, window[0]), min(b, window[1])) for a, b in spans]
            local = [(a, b) for a, b in local if b > a]
            before = _find(old, local, result.duration)
            after = _find(new, local, result.duration)
            if after.badness < before.badness:
                segments = sorted(
                    [s for s in segments if not _inside(s, window)] + new,
                    key=lambda s: (s.start, s.end),
                )
                repaired += sum(1 for i in before.issues if i.kind in REPAIRABLE) - sum(
                    1 for i in after.issues if i.kind in REPAIRABLE
                )
    found = _find(segments, spans, result.duration)
    report = CoverageReport(
        duration=result.duration,
        speech_seconds=found.speech_seconds,
        transcribed_seconds=found.transcribed_seconds,
        longest_gap=found.longest_gap,
        issues=found.issues,
        languages=_languages(segments, result.language),
        redecoded_seconds=redecoded,
        repaired=max(0, repaired),
    )
    checked = replace(
        result,
        segments=tuple(segments),
        parameters={
            **result.parameters,
            "coverage_check": {
                "vad": VAD_OPTIONS,
                "gap_seconds": GAP_SECONDS,
                "redecoded_seconds": round(redecoded, 1),
            },
        },
    )
    return CheckedTranscription(result=checked, report=report, regions=regions)
