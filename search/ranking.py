"""One ranking for the backends that analyse text in Python (SQLite, PostgreSQL).

A moment scores what BM25 would give each clause of the question (a rarer
word weighs more; repeating it helps less and less; a short moment beats a
long one saying the same), summed over clauses, so a moment matching more
of the words ranks higher, plus a bonus when the matched words stand close
together. What matched decides the weight: the word in one of its forms
counts fully, a thesaurus synonym SYNONYM_WEIGHT (the same term in the other
language CROSSING_WEIGHT), a near spelling (what
Whisper may have misheard) FUZZY_WEIGHT, and a match in the machine
translation rather than in what was said TRANSLATION_WEIGHT of that.

Backends give the statistics (how many moments are indexed, how many say
each clause's word forms); since both compute them the same way over the
same documents, they put the same moments first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from search.plan import Form, MatchPlan

__all__ = [
    "CROSSING_WEIGHT",
    "ceiling",
    "FUZZY_WEIGHT",
    "SYNONYM_WEIGHT",
    "TRANSLATION_WEIGHT",
    "Statistics",
    "score",
    "scoring_clauses",
]

K1 = 1.2
B = 0.75
AVERAGE_WORDS = 20.0  # a typical transcript segment; fixed so every backend normalises alike
SYNONYM_WEIGHT = 0.5
FUZZY_WEIGHT = 0.3
TRANSLATION_WEIGHT = 0.8
#: A thesaurus or lexicon term in the other language than the one the question
#: said ("solicitud de retención" for "ICE hold") is the typed word across the
#: language line, as a match in the machine translation is: it weighs as much,
#: above a synonym in the question's own language. On the judged set
#: (bench/relevance.py, sqlite) 0.5 (a synonym), 0.65, 0.8 and 1.0 gave
#: recall@5 0.619, 0.622, 0.622, 0.630 and nDCG@10 0.647, 0.657, 0.653, 0.657.
CROSSING_WEIGHT = TRANSLATION_WEIGHT
PROXIMITY_WEIGHT = 0.3

Weighted = tuple[tuple[Form, float], ...]


@dataclass(frozen=True)
class Statistics:
    """Moments indexed, and how many say each scoring clause's own forms."""

    documents: int
    frequencies: tuple[int, ...]


def scoring_clauses(plan: MatchPlan) -> list[Weighted]:
    """Per clause (then per exact phrase): each alternative with its weight."""
    clauses: list[Weighted] = []
    for index, clause in enumerate(plan.clauses):
        options: dict[Form, float] = {}
        for form in clause.fuzzy:
            options[form] = FUZZY_WEIGHT
        for form in plan.expansions_of(index):
            options[form] = SYNONYM_WEIGHT
        for form in plan.translations_of(index):
            options[form] = CROSSING_WEIGHT
        for form in clause.forms:
            options[form] = 1.0
        clauses.append(tuple(options.items()))
    for forms in plan.phrase_forms:
        clauses.append(tuple((form, 1.0) for form in forms))
    return clauses


def own_forms(plan: MatchPlan) -> list[tuple[Form, ...]]:
    """Per scoring clause, the forms whose frequency is its statistic."""
    return [clause.forms for clause in plan.clauses] + list(plan.phrase_forms)


def _idf(frequency: int, documents: int) -> float:
    documents = max(documents, frequency, 1)
    return math.log(1.0 + (documents - frequency + 0.5) / (frequency + 0.5))


def _positions(sequence: Sequence[str]) -> dict[str, list[int]]:
    where: dict[str, list[int]] = {}
    for position, token in enumerate(sequence):
        where.setdefault(token, []).append(position)
    return where


def _occurrences(form: Form, sequence: Sequence[str], where: dict[str, list[int]]) -> list[int]:
    starts = where.get(form[0], [])
    if len(form) == 1:
        return starts
    width = len(form)
    return [p for p in starts if tuple(sequence[p : p + width]) == form]


def _saturated(weighted_tf: float, length: int) -> float:
    norm = K1 * (1.0 - B + B * length / AVERAGE_WORDS)
    return weighted_tf * (K1 + 1.0) / (weighted_tf + norm)


def _window(hits: dict[int, list[int]]) -> int:
    """The fewest consecutive words holding one match of every clause in ``hits``."""
    events = sorted((p, c) for c, positions in hits.items() for p in positions)
    need = len(hits)
    counts: dict[int, int] = {}
    best = len(events) + 10**6
    left = 0
    for position, clause in events:
        counts[clause] = counts.get(clause, 0) + 1
        while len(counts) == need:
            best = min(best, position - events[left][0] + 1)
            first = events[left][1]
            counts[first] -= 1
            if not counts[first]:
                del counts[first]
            left += 1
    return best


def ceiling(statistics: Statistics) -> float:
    """The score of a moment of typical length that says each of the question's words once,
    side by side: what a word score is measured against when it meets another ranking."""
    idfs = [_idf(frequency, statistics.documents) for frequency in statistics.frequencies]
    if not idfs:
        return 0.0
    # _saturated(1, AVERAGE_WORDS) is 1: each word once in a typical moment scores its idf.
    mean = sum(idfs) / len(idfs)
    return sum(idfs) + PROXIMITY_WEIGHT * mean * (len(idfs) - 1)


def score(
    clauses: Sequence[Weighted],
    statistics: Statistics,
    original: Sequence[str],
    translation: Sequence[str] = (),
) -> float:
    """The score of one moment: its own stems, then its translation's (English) stems."""
    total = 0.0
    sequences = [(original, 1.0), (translation, TRANSLATION_WEIGHT)]
    where = [_positions(sequence) for sequence, _ in sequences]
    matched: list[dict[int, list[int]]] = [{}, {}]
    idfs: dict[int, float] = {}
    for number, options in enumerate(clauses):
        idf = _idf(statistics.frequencies[number], statistics.documents)
        best = 0.0
        for side, (sequence, side_weight) in enumerate(sequences):
            if not sequence:
                continue
            weighted = 0.0
            found: list[int] = []
            for form, weight in options:
                positions = _occurrences(form, sequence, where[side])
                weighted += weight * len(positions)
                found.extend(positions)
            if found:
                matched[side][number] = found
                best = max(best, side_weight * _saturated(weighted, len(sequence)))
        if best:
            idfs[number] = idf
            total += idf * best
    for side, hits in enumerate(matched):
        if len(hits) > 1:
            window = _window(hits)
            mean = sum(idfs[c] for c in hits) / len(hits)
            closeness = len(hits) / max(window, len(hits))
            weight = 1.0 if side == 0 else TRANSLATION_WEIGHT
            total += weight * PROXIMITY_WEIGHT * mean * (len(hits) - 1) * closeness
            break
    return round(total, 6)


def rank(
    plan: MatchPlan, statistics: Statistics, rows: Sequence[tuple[int, str, str]]
) -> list[tuple[int, float]]:
    """``(key, score)`` for rows of ``(key, stems, translation stems)``, best first.

    Equal scores keep the order the rows came in (a backend's own ranking).
    """
    clauses = scoring_clauses(plan)
    scored = [
        (key, score(clauses, statistics, original.split(), translation.split()))
        for key, original, translation in rows
    ]
    return sorted(scored, key=lambda item: -item[1])


def ranked_window(
    plan: MatchPlan,
    statistics: Statistics,
    ordered: Sequence[int],
    read: Callable[[Sequence[int]], dict[int, tuple[str, str]]],
    window: int,
) -> list[tuple[int, float]]:
    """Rescore the first ``window`` of ``ordered`` keys; the rest follow, below them.

    ``ordered`` is a backend's own ranking of every candidate; ``read``
    returns the stems of the keys it is given.
    """
    head = list(ordered[:window])
    stems = read(head)
    ranked = rank(plan, statistics, [(key, *stems[key]) for key in head if key in stems])
    floor = min((s for _, s in ranked), default=0.0)
    tail = ordered[window:]
    # Below the rescored window, in the backend's own order.
    step = (floor / (len(tail) + 1)) if floor > 0 else 0.0
    rest = [(key, floor - step * (n + 1)) for n, key in enumerate(tail)]
    return ranked + rest
