"""Fuzzy path matching for the file finder: fast enough to run on every keystroke over 100k paths.

Membership is the leftmost greedy subsequence match, and its end offset is kept per hit: the hits of
`query + c` are the hits of `query` where `c` occurs after that end. So each keystroke is one pass of
`str.find` over the previous hits, driven from C (`map`, `compress`), and the results of every prefix of
the current query are kept, so backspace is free. Scoring in Python is limited to the most promising
candidates: the query as one run in the basename, then in the path, then the shortest of the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, islice, repeat

SEPARATORS = frozenset("/_-. ")
SCORE_BUDGET = 300  # candidates scored in full per query
PREFIX_CACHE = 24  # queries whose hits are kept (each up to two lists as long as the paths)


@dataclass(frozen=True)
class Match:
    path: str
    score: float
    positions: tuple[int, ...]  # indexes into `path` of the matched characters


def _greedy(lower: str, query: str, start: int) -> list[int] | None:
    """The leftmost match from `start`, then tightened from its end to the shortest window."""
    first: list[int] = []
    for ch in query:
        idx = lower.find(ch, start)
        if idx < 0:
            return None
        first.append(idx)
        start = idx + 1
    best = list(first)
    end = first[-1] + 1
    for k in range(len(query) - 1, -1, -1):
        end = best[k] = lower.rfind(query[k], first[k], end)
    return best


def _positions(path: str, lower: str, query: str) -> tuple[int, ...] | None:
    """Matched positions: the query as one run (the last one, so the basename's), else a match inside
    the basename, else the tightest leftmost match with letters moved to word starts where possible."""
    run = lower.rfind(query)
    if run >= 0:
        return tuple(range(run, run + len(query)))
    best = _greedy(lower, query, path.rfind("/") + 1) or _greedy(lower, query, 0)
    if best is None:
        return None
    n = len(query)
    lo = 0
    for k in range(n):
        hi = best[k + 1] if k + 1 < n else len(lower)
        idx = best[k]
        if not _is_boundary(path, idx):
            probe = lower.find(query[k], lo)
            while 0 <= probe < hi:
                if _is_boundary(path, probe):
                    idx = probe
                    break
                probe = lower.find(query[k], probe + 1)
        best[k] = idx
        lo = idx + 1
    return tuple(best)


def _is_boundary(path: str, idx: int) -> bool:
    if idx == 0:
        return True
    prev = path[idx - 1]
    if prev in SEPARATORS:
        return True
    return prev.islower() and path[idx].isupper()


def score_path(path: str, query: str, lower: str | None = None) -> Match | None:
    """Score one path against a lowercase query; None when it does not match."""
    lower = path.lower() if lower is None else lower
    positions = _positions(path, lower, query)
    if positions is None:
        return None
    base_start = path.rfind("/") + 1
    score = 0.0
    prev = -2
    for idx in positions:
        score += 1.0
        if idx == prev + 1:
            score += 2.0
        if _is_boundary(path, idx):
            score += 1.5
        if idx >= base_start:
            score += 1.0
        if path[idx] == query[0] and idx == positions[0]:
            pass
        prev = idx
    gaps = positions[-1] - positions[0] + 1 - len(positions)
    score -= 0.05 * gaps
    score -= 0.01 * len(path)
    base = lower[base_start:]
    if query in base:
        score += 3.0 + (2.0 if base.startswith(query) else 0.0)
        if base == query or base.startswith(query + "."):
            score += 2.0
    return Match(path, score, positions)


_NOT_MISSING = (-1).__lt__  # f(x) -> x > -1, i.e. str.find found it
_PLUS_ONE = (1).__add__

Hits = tuple[list[int], list[int]]  # (path indexes, end offset of each one's greedy match)


class FuzzyIndex:
    """A list of paths prepared for repeated queries (lowercased once; hits of recent prefixes kept)."""

    def __init__(self, paths: list[str] | tuple[str, ...]) -> None:
        self.paths: list[str] = list(paths)
        self.lower: list[str] = [p.lower() for p in self.paths]
        self.base: list[str] = [p[p.rfind("/") + 1 :] for p in self.lower]
        self.lengths: list[int] = [len(p) for p in self.paths]
        self._cache: dict[str, Hits] = {}
        # Path indexes, shortest first (built here, in the worker that builds the index).
        self._length_order: list[int] = sorted(range(len(self.paths)), key=self.lengths.__getitem__)
        self._ranked: dict[tuple[str, int], list[Match]] = {}  # recent results (backspace returns to them)

    def __len__(self) -> int:
        return len(self.paths)

    def _narrow(self, hits: Hits, ch: str) -> Hits:
        """Hits of `query + ch` from the hits of `query`: one `str.find` per hit, run from C."""
        indexes, ends = hits
        found = list(map(str.find, map(self.lower.__getitem__, indexes), repeat(ch), ends))
        keep = list(map(_NOT_MISSING, found))
        return list(compress(indexes, keep)), list(map(_PLUS_ONE, compress(found, keep)))

    def _char_hits(self, ch: str) -> Hits:
        hits = self._cache.get(ch)
        if hits is None:
            found = list(map(str.find, self.lower, repeat(ch)))
            keep = list(map(_NOT_MISSING, found))
            hits = list(compress(range(len(found)), keep)), list(map(_PLUS_ONE, compress(found, keep)))
            self._cache[ch] = hits
        return hits

    def _candidates(self, query: str) -> list[int]:
        """Indexes of the paths holding `query` as a subsequence (from the longest known prefix)."""
        known = len(query)
        while known > 1 and query[:known] not in self._cache:
            known -= 1
        hits = self._char_hits(query[0]) if known == 1 else self._cache[query[:known]]
        for k in range(known, len(query)):
            hits = self._narrow(hits, query[k])
            self._cache[query[: k + 1]] = hits
        self._trim(query)
        return hits[0]

    def _trim(self, query: str) -> None:
        """Keep the prefixes of the current query; drop the oldest others beyond the cache size."""
        if len(self._cache) <= PREFIX_CACHE:
            return
        for key in list(self._cache):
            if not query.startswith(key):
                del self._cache[key]
                if len(self._cache) <= PREFIX_CACHE:
                    return

    def search(self, query: str, limit: int = 50) -> list[Match]:
        """The best `limit` matches for `query` (case-insensitive); the first paths when it is empty."""
        query = query.strip().lower()
        if not query:
            return [Match(p, 0.0, ()) for p in self.paths[:limit]]
        ranked = self._ranked.get((query, limit))
        if ranked is None:
            ranked = self._rank(query, self._candidates(query), limit)
            if len(self._ranked) >= 2 * PREFIX_CACHE:
                self._ranked.clear()
            self._ranked[(query, limit)] = ranked
        return ranked

    def _rank(self, query: str, hits: list[int], limit: int) -> list[Match]:
        if len(hits) > SCORE_BUDGET:
            hits = self._promising(hits, query)
        lower = self.lower
        paths = self.paths
        matches = [m for i in hits if (m := score_path(paths[i], query, lower[i])) is not None]
        matches.sort(key=lambda m: (-m.score, len(m.path), m.path))
        return matches[:limit]

    def _promising(self, hits: list[int], query: str) -> list[int]:
        """Cut a large candidate set to the budget without scoring, best kinds first: basenames that
        start with the query, basenames holding it, paths holding it, then everything else; the
        shortest paths within the kind that overflows the budget.

        Each kind holds the one before it, is found by one pass run from C, and only when the kinds
        before it did not fill the budget; the shortest members come from walking the paths in length
        order (`filter` + `islice`, also in C) instead of sorting the kind."""
        base_of = self.base.__getitem__
        picked: list[int] = []
        for kind in ("starts", "base", "path", "rest"):
            if kind == "starts":
                tier = list(compress(hits, map(str.startswith, map(base_of, hits), repeat(query))))
            elif kind == "base":
                tier = list(compress(hits, map(str.__contains__, map(base_of, hits), repeat(query))))
            elif kind == "path":
                tier = list(compress(hits, map(str.__contains__, map(self.lower.__getitem__, hits), repeat(query))))
            else:
                tier = hits
            if len(tier) >= SCORE_BUDGET:
                members = set(tier).difference(picked)
                shortest = islice(filter(members.__contains__, self._length_order), SCORE_BUDGET - len(picked))
                return picked + list(shortest)
            picked = list(dict.fromkeys(picked + tier))
        return picked


def fuzzy_match(query: str, paths: list[str] | tuple[str, ...], limit: int = 50) -> list[Match]:
    """One-shot fuzzy match; build a `FuzzyIndex` to query the same paths repeatedly."""
    return FuzzyIndex(paths).search(query, limit)
