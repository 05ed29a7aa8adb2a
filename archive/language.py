"""Language analysis for English and Spanish: words, accent folding, stems, stop words.

One place for it, because the search index (search/) and the theme tagger
must read text the same way: a thesaurus term that tags a moment is the
term that finds it. Pure Python over PyStemmer's Snowball stemmers (the
algorithms PostgreSQL's ``english``/``spanish`` configurations and
Elasticsearch's ``porter2``/``spanish`` stemmers implement); no Django, so
search, the tagger, migrations and benchmarks can all use it.

Words are what SQLite FTS5's ``unicode61`` tokenizer calls tokens: runs of
letters and digits, split at apostrophes and hyphens, case- and
accent-folded (``Separación`` -> ``separacion``). A word is stemmed in the
language of the text it comes from; a question in an unknown language is
stemmed both ways (:func:`query_forms`).

The stop word lists are short on purpose: closed-class words only
(articles, pronouns, prepositions, conjunctions, auxiliaries and the
fragments a tokenizer leaves of contractions). Longer lists in libraries
count "kept", "order", "home" or "trata" as stop words, and those words
carry testimony.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence

import Stemmer

__all__ = [
    "LANGUAGES",
    "STOP_WORDS",
    "analyse",
    "fold",
    "guess_language",
    "is_stop_word",
    "query_forms",
    "stem",
    "words",
]

LANGUAGES = ("en", "es")
_ALGORITHMS = {"en": "english", "es": "spanish"}

# Letters and digits (combining marks are removed by folding first); "_" is
# not a word character, as in FTS5's unicode61.
_WORD = re.compile(r"[^\W_]+")

_ENGLISH_STOP = """
a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself
yourselves
s t d ll m o re ve y ain aren couldn didn doesn don hadn hasn haven isn mightn mustn
needn shan shouldn wasn weren won wouldn
"""

_SPANISH_STOP = """
a al algo algun alguna algunas alguno algunos ante antes aquel aquella aquellas aquellos
aqui asi aun aunque cada como con contra cual cuales cuando de del desde donde durante e el
ella ellas ello ellos en entre era erais eramos eran eras eres es esa esas ese eso esos esta
estaba estabamos estaban estado estais estamos estan estar estas este esto estos estoy fue
fueron fui fuimos ha habia habian han has hasta hay he la las le les lo los mas me mi mia
mias mio mios mis mucho muchos muy nada ni no nos nosotras nosotros nuestra nuestras nuestro
nuestros o os otra otras otro otros para pero poco por porque que quien quienes se sea sean
ser si sido sin sobre sois somos son soy su sus suya suyas suyo suyos tambien tanto te tenia
tengo ti tiene tienen todo todos tu tus u un una unas uno unos usted ustedes vosotras
vosotros y ya yo
"""

STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_ENGLISH_STOP.split()),
    "es": frozenset(_SPANISH_STOP.split()),
}

_local = threading.local()


def _stemmer(language: str) -> Stemmer.Stemmer | None:
    """A stemmer for this thread (PyStemmer's objects keep a cache and are not shared)."""
    algorithm = _ALGORITHMS.get(language)
    if algorithm is None:
        return None
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    stemmer = stemmers.get(language)
    if stemmer is None:
        stemmer = stemmers[language] = Stemmer.Stemmer(algorithm)
    return stemmer


def fold(text: str) -> str:
    """Case- and accent-folded text: ``"Separación"`` -> ``"separacion"``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order (``"didn't"`` gives ``didn`` and ``t``)."""
    return _WORD.findall(fold(text))


def stem(word: str, language: str) -> str:
    """The Snowball stem of a folded word in ``language``; other languages keep the word."""
    stemmer = _stemmer(language)
    return stemmer.stemWord(word) if stemmer is not None else word


def analyse(text: str, language: str) -> list[str]:
    """Every word of ``text`` stemmed in ``language``, stop words kept in their places.

    Index-time analysis: keeping every position lets a thesaurus phrase
    ("orden de retención") match word for word; questions drop stop words.
    """
    stemmer = _stemmer(language)
    found = words(text)
    return stemmer.stemWords(found) if stemmer is not None else found


def is_stop_word(word: str, language: str | None = None) -> bool:
    """Whether a folded word is a stop word in ``language`` (None: in both languages)."""
    if language is None:
        return all(word in STOP_WORDS[code] for code in LANGUAGES)
    return word in STOP_WORDS.get(language, frozenset())


def guess_language(tokens: Sequence[str]) -> str | None:
    """The language whose stop words a question uses more, or None when it does not tell.

    Short questions ("ICE detainer") have no stop words and stay unknown, so
    they are analysed both ways.
    """
    counts = {code: sum(token in STOP_WORDS[code] for token in tokens) for code in LANGUAGES}
    english, spanish = counts["en"], counts["es"]
    if english > spanish:
        return "en"
    if spanish > english:
        return "es"
    return None


def query_forms(word: str, language: str | None = None) -> tuple[str, ...]:
    """The stems a folded question word is looked up by: in ``language``, or in both."""
    languages: Iterable[str] = (language,) if language in _ALGORITHMS else LANGUAGES
    return tuple(dict.fromkeys(stem(word, code) for code in languages))
