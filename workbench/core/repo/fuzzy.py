"""Fuzzy path matching for the file finder: fast enough to run on every keystroke over 100k paths.

Filtering is done by a compiled regex (the query as a subsequence) run from C over every lowercased path;
when the query extends the previous one, only the previous survivors are searched. Scoring in Python is
limited to the most promising candidates: those holding the query as one run in the basename or the path,
then the shortest of the rest.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

SEPARATORS = frozenset("/_-. ")
SCORE_BUDGET = 300  # candidates scored in full per query


@dataclass(frozen=True)
class Match:
    path: str
    score: float
    positions: tuple[int, ...]  # indexes into `path` of the matched characters


def _subsequence_pattern(query: str) -> re.Pattern[str]:
    # Lazy gaps find the earliest match; it only decides membership, scoring finds better positions.
    return re.compile("[^\n]*?".join(re.escape(c) for c in query))


def _positions(path: str, lower: str, query: str) -> tuple[int, ...] | None:
    """Matched positions, preferring word starts and runs: a right-to-left pass tightens a left-to-right one."""
    n = len(query)
    first: list[int] = []
    start = 0
    for ch in query:
        idx = lower.find(ch, start)
        if idx < 0:
            return None
        first.append(idx)
        start = idx + 1
    # Tighten: from the end, take each query char at its last occurrence before the next match.
    best = list(first)
    end = len(lower)
    for k in range(n - 1, -1, -1):
        idx = lower.rfind(query[k], first[k], end)
        best[k] = idx
        end = idx
    # Prefer boundary positions where a boundary occurrence exists within the allowed window.
    lo = 0
    for k in range(n):
        hi = best[k + 1] if k + 1 < n else len(lower)
        idx = best[k]
        if not _is_boundary(path, idx):
            probe = lower.find(query[k], lo)
            while 0 <= probe < hi:
                if _is_boundary(path, probe) and (k == 0 or probe > best[k - 1]):
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


class FuzzyIndex:
    """A list of paths prepared for repeated queries.

    Paths are lowercased once; the paths holding each character are listed on first use, so a query
    only searches the paths that hold its rarest character (or the previous query's hits, when the
    query extends it).
    """

    def __init__(self, paths: list[str] | tuple[str, ...]) -> None:
        self.paths: list[str] = list(paths)
        self.lower: list[str] = [p.lower() for p in self.paths]
        self.base: list[str] = [p[p.rfind("/") + 1 :] for p in self.lower]
        self._by_char: dict[str, list[int]] = {}
        self._last_query = ""
        self._last_hits: list[int] = []
        self._last_ends: list[int] | None = []

    def __len__(self) -> int:
        return len(self.paths)

    def _char_hits(self, ch: str) -> list[int]:
        hits = self._by_char.get(ch)
        if hits is None:
            hits = [i for i, text in enumerate(self.lower) if ch in text]
            self._by_char[ch] = hits
        return hits

    def _candidates(self, query: str) -> list[int]:
        """Indexes of the paths holding `query` as a subsequence.

        The leftmost greedy match decides membership, and its end is kept per hit: when the next query
        adds one character, one `str.find` from that end per previous hit answers it exactly.
        """
        lower = self.lower
        last = self._last_query
        if len(query) == 1:
            hits, ends = self._char_hits(query), None
        elif last and query.startswith(last) and len(query) - len(last) <= 2 and self._last_ends is not None:
            hits, ends = self._last_hits, self._last_ends
            for ch in query[len(last) :]:
                next_hits: list[int] = []
                next_ends: list[int] = []
                add_hit, add_end = next_hits.append, next_ends.append
                for i, end in zip(hits, ends, strict=True):
                    found = lower[i].find(ch, end)
                    if found >= 0:
                        add_hit(i)
                        add_end(found + 1)
                hits, ends = next_hits, next_ends
        else:
            pool = min((self._char_hits(c) for c in set(query)), key=len)
            if last and query.startswith(last) and len(self._last_hits) < len(pool):
                pool = self._last_hits
            search = re.compile(
                re.escape(query[0]) + "".join(f"(?>.*?{re.escape(c)})" for c in query[1:]), re.DOTALL
            ).search
            hits, ends = [], []
            for i in pool:
                m = search(lower[i])
                if m is not None:
                    hits.append(i)
                    ends.append(m.end())
        self._last_query = query
        self._last_hits = hits
        self._last_ends = ends
        return hits

    def prepare(self, chars: str = "abcdefghijklmnopqrstuvwxyz0123456789_.-/") -> None:
        """List the paths holding each common character now (in a worker), so first keystrokes are cheap."""
        for ch in chars:
            self._char_hits(ch)

    def search(self, query: str, limit: int = 50) -> list[Match]:
        """The best `limit` matches for `query` (case-insensitive); the first paths when it is empty."""
        query = query.strip().lower()
        if not query:
            return [Match(p, 0.0, ()) for p in self.paths[:limit]]
        hits = self._candidates(query)
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
        shortest paths within the kind that overflows the budget."""
        base = self.base
        lower = self.lower
        picked: list[int] = []
        for tier in range(4):
            if tier == 0:
                chosen = [i for i in hits if base[i].startswith(query)]
            elif tier == 1:
                chosen = [i for i in hits if query in base[i] and not base[i].startswith(query)]
            elif tier == 2:
                chosen = [i for i in hits if query in lower[i] and query not in base[i]]
            else:
                chosen = [i for i in hits if query not in lower[i]]
            room = SCORE_BUDGET - len(picked)
            if len(chosen) >= room:
                return picked + heapq.nsmallest(room, chosen, key=lambda i: len(lower[i]))
            picked += chosen
        return picked


def fuzzy_match(query: str, paths: list[str] | tuple[str, ...], limit: int = 50) -> list[Match]:
    """One-shot fuzzy match; build a `FuzzyIndex` to query the same paths repeatedly."""
    return FuzzyIndex(paths).search(query, limit)
