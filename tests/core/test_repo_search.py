"""The fuzzy path matcher and tree-sitter symbol outlines."""

from __future__ import annotations

import random

import pytest

from workbench.core.repo import FuzzyIndex, flatten, fuzzy_match, language_for, outline
from workbench.core.repo.fuzzy import SCORE_BUDGET, score_path

PATHS = [
    "src/payments.py",
    "src/payments_test_helpers.py",
    "docs/pay/amount.md",
    "tests/test_payments.py",
    "src/retry.py",
    "src/backoff.py",
    "README.md",
    "web/PaymentForm.tsx",
]


def is_subsequence(query: str, text: str) -> bool:
    it = iter(text.lower())
    return all(ch in it for ch in query.lower())


def test_exact_basename_wins() -> None:
    results = fuzzy_match("payments.py", PATHS)
    assert results[0].path == "src/payments.py"


def test_matches_are_subsequences_and_positions_point_at_them() -> None:
    for query in ["pay", "spy", "rtr", "PF", "md"]:
        results = fuzzy_match(query, PATHS, limit=100)
        expected = {p for p in PATHS if is_subsequence(query, p)}
        assert {m.path for m in results} == expected, query
        for m in results:
            assert len(m.positions) == len(query)
            assert list(m.positions) == sorted(set(m.positions))
            assert "".join(m.path[i] for i in m.positions).lower() == query.lower()


def test_word_starts_beat_scattered_letters() -> None:
    results = fuzzy_match("pf", PATHS)
    assert results[0].path == "web/PaymentForm.tsx"
    match = score_path("web/PaymentForm.tsx", "pf")
    assert match is not None and match.positions == (4, 11)


def test_positions_prefer_a_run_then_the_basename() -> None:
    assert score_path("src/payments.py", "pay").positions == (4, 5, 6)  # type: ignore[union-attr]
    assert score_path("src/r/e/t/r/y/retry.py", "retry").positions == (14, 15, 16, 17, 18)  # type: ignore[union-attr]
    assert score_path("pkg/a/sub/mod_b.py", "mb").positions == (10, 14)  # type: ignore[union-attr]


def test_contiguous_run_beats_scattered() -> None:
    a = score_path("src/retry.py", "retry")
    b = score_path("src/r/e/t/r/y.py", "retry")
    assert a is not None and b is not None and a.score > b.score


def test_no_match_and_empty_query() -> None:
    assert fuzzy_match("zzz", PATHS) == []
    assert [m.path for m in fuzzy_match("", PATHS, limit=3)] == PATHS[:3]


@pytest.mark.parametrize("count", [250, 3000])
def test_narrowing_and_widening_agree_with_a_fresh_index(count: int) -> None:
    rng = random.Random(7)
    words = ["src", "lib", "core", "pay", "ments", "retry", "api", "x", "y_z", "Widget"]
    paths = ["/".join(rng.choice(words) for _ in range(rng.randint(1, 4))) + f"_{i}.py" for i in range(count)]
    index = FuzzyIndex(paths)
    for query in ["p", "pa", "pay", "paym", "pa", "pay_", "r", "re", "retry", "", "wi", "wid", "widx"]:
        got = [m.path for m in index.search(query, limit=10_000)]
        fresh = [m.path for m in FuzzyIndex(paths).search(query, limit=10_000)]
        assert got == fresh, query
        if query and count < SCORE_BUDGET:  # every candidate is scored: the result is exactly the matches
            assert set(fresh) == {p for p in paths if is_subsequence(query, p)}, query


def test_large_candidate_sets_still_rank_basename_hits_first() -> None:
    paths = [f"deep/dir{i}/file{i}.txt" for i in range(5000)] + ["x/retry.py"]
    results = FuzzyIndex(paths).search("r", limit=5)
    assert results[0].path == "x/retry.py"


SOURCES = {
    "svc.py": b"import os\nLIMIT = 3\n\nclass Client:\n    def charge(self):\n        pass\n\n"
    b"    @property\n    def name(self):\n        return 1\n\n@cache\ndef helper():\n    pass\n",
    "app.ts": b"export class Store {\n  get(): void {}\n  items = 1\n}\nexport function load() {}\n"
    b"interface Opts { a: number }\nconst fmt = () => 1\ntype Id = string\nenum Color { Red }\n",
    "app.tsx": b"export default function App() { return <div/> }\n",
    "main.js": b"class View { render() {} }\nfunction boot() {}\nconst k = 1\n",
    "main.go": b"package main\n\ntype Server struct {\n\taddr string\n}\n\nfunc (s *Server) Run() {}\n"
    b"type Handler interface {\n\tServe()\n}\nfunc main() {}\n",
    "lib.rs": b"pub struct Pool { size: usize }\nimpl Pool {\n    pub fn new() -> Self { todo!() }\n}\n"
    b"trait Shape { fn area(&self) -> f64; }\nfn main() {}\n",
    "App.java": b"package a;\npublic class App {\n  public App() {}\n  void run() {}\n}\n",
    "package.json": b'{"name": "x", "scripts": {"test": "jest"}}',
    "Cargo.toml": b'[package]\nname = "x"\n[dependencies]\nserde = "1"\n',
}

EXPECTED = {
    "svc.py": [
        (0, "const", "LIMIT", 2),
        (0, "class", "Client", 4),
        (1, "method", "charge", 5),
        (1, "method", "name", 8),
        (0, "function", "helper", 12),
    ],
    "app.ts": [
        (0, "class", "Store", 1),
        (1, "method", "get", 2),
        (1, "field", "items", 3),
        (0, "function", "load", 5),
        (0, "interface", "Opts", 6),
        (1, "field", "a", 6),
        (0, "function", "fmt", 7),
        (0, "type", "Id", 8),
        (0, "enum", "Color", 9),
    ],
    "app.tsx": [(0, "function", "App", 1)],
    "main.js": [(0, "class", "View", 1), (1, "method", "render", 1), (0, "function", "boot", 2), (0, "const", "k", 3)],
    "main.go": [
        (0, "struct", "Server", 3),
        (1, "field", "addr", 4),
        (0, "method", "(*Server) Run", 7),
        (0, "interface", "Handler", 8),
        (1, "method", "Serve", 9),
        (0, "function", "main", 11),
    ],
    "lib.rs": [
        (0, "struct", "Pool", 1),
        (1, "field", "size", 1),
        (0, "impl", "Pool", 2),
        (1, "method", "new", 3),
        (0, "trait", "Shape", 5),
        (1, "method", "area", 5),
        (0, "function", "main", 6),
    ],
    "App.java": [(0, "class", "App", 2), (1, "method", "App", 3), (1, "method", "run", 4)],
    "package.json": [(0, "key", "name", 1), (0, "key", "scripts", 1), (1, "key", "test", 1)],
    "Cargo.toml": [
        (0, "table", "package", 1),
        (1, "key", "name", 2),
        (0, "table", "dependencies", 3),
        (1, "key", "serde", 4),
    ],
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_outline_per_language(name: str) -> None:
    got = [(depth, s.kind, s.name, s.line) for depth, s in flatten(outline(name, SOURCES[name]))]
    assert got == EXPECTED[name]


def test_outline_is_cached_by_content_and_tolerates_garbage() -> None:
    first = outline("svc.py", SOURCES["svc.py"])
    assert outline("other_name.py", SOURCES["svc.py"]) is first
    assert outline("x.py", b"def broken(:\n  class\n\xff\xfe") is not None
    assert outline("notes.txt", b"class A: pass") == ()
    assert language_for("A.TSX") == "tsx" and language_for("Makefile") is None


def test_hostile_symbol_names_stay_plain_data() -> None:
    src = b"class Evil:\n    def x(self): pass\n[bold]red = 1\n"
    names = [s.name for _, s in flatten(outline("e.py", src))]
    assert names[:2] == ["Evil", "x"]


def test_highlighter_small_and_large_files_agree_on_a_window() -> None:
    from workbench.core.repo.highlight import FULL_PARSE_CHARS, Highlighter, highlight_language

    block = ["def f(x):", "    return 'text'  # note", ""]
    small = Highlighter("python", block * 10)
    large_lines = block * (FULL_PARSE_CHARS // 20)
    large = Highlighter("python", large_lines)
    assert small.active and large.active
    deep = len(large_lines) - 30
    deep -= deep % 3  # a `def` line
    assert any(s.name.startswith("keyword") and (s.start, s.end) == (0, 3) for s in small.spans(0, 3)[0])
    want = [(s.start, s.end, s.name) for s in small.spans(3, 6)[4]]
    got = [(s.start, s.end, s.name) for s in large.spans(deep, deep + 3)[deep + 1]]
    assert got == want and any(name == "string" for _, _, name in got)
    assert highlight_language("a.sh") == "bash" and highlight_language("x.unknown") is None
    assert Highlighter("bash", ["echo hi"]).active


def test_minified_files_are_not_highlighted_or_outlined_beyond_the_caps() -> None:
    from workbench.core.repo.highlight import LONG_LINE, Highlighter
    from workbench.core.repo.symbols import MAX_SYMBOL_BYTES

    assert not Highlighter("javascript", ["var a=1;" * (LONG_LINE // 8 + 1)]).active
    assert Highlighter("javascript", ["var a = 1;"]).active
    assert outline("big.py", b"x = 1\n" * (MAX_SYMBOL_BYTES // 6 + 1)) == ()


def test_cache_stays_bounded_over_many_queries() -> None:
    from workbench.core.repo.fuzzy import PREFIX_CACHE

    paths = [f"dir{i % 7}/file_{i}_{chr(97 + i % 26)}.txt" for i in range(2000)]
    index = FuzzyIndex(paths)
    for first in "abcdefghijklmnopqrstuvwxyz0123456789":
        for query in (first, first + "x", first + "xt"):
            index.search(query)
    assert len(index._cache) <= PREFIX_CACHE
    assert [m.path for m in index.search("file_1_b")] == [m.path for m in FuzzyIndex(paths).search("file_1_b")]
