"""One glob semantics (workbench.core.globs) for its three users: ignore files, permission rules, tool globs.

Each case is tried on all three, so they cannot drift apart again: `[!…]`, `[^…]`, `[]…]` and escapes mean the
same everywhere; `{a,b}` is an alternative only in tool globs (gitignore, and so Claude Code's Read/Edit rules,
has no braces).
"""

from __future__ import annotations

import pytest

from workbench.core.globs import GlobError, expand_braces, gitignore_pattern, glob_matches
from workbench.core.policy.rules import path_matcher
from workbench.core.repo.gitignore import IgnoreMatcher, parse_rules

ROOT = "/w"


def rule_matches(pattern: str, rel: str) -> bool:
    return path_matcher(pattern, cwd=ROOT, base=ROOT, home="/home/u")(f"{ROOT}/{rel}")


def ignored(pattern: str, rel: str) -> bool:
    return IgnoreMatcher(parse_rules(pattern)).ignored(rel, False)


# (pattern, path, gitignore users say, tool globs say)
CASES = [
    ("[!a].txt", "b.txt", True, True),
    ("[!a].txt", "a.txt", False, False),
    ("[^a].txt", "a.txt", False, False),
    ("[]a]x", "]x", True, True),
    ("[]a]x", "ax", True, True),
    ("[]a]x", "bx", False, False),
    ("[a-c]?.py", "b1.py", True, True),
    ("\\*.md", "*.md", True, True),
    ("\\*.md", "a.md", False, False),
    ("[a", "[a", True, True),  # an unclosed class is literal text
    ("{a,b}.txt", "a.txt", False, True),
    ("{a,b}.txt", "{a,b}.txt", True, False),
    ("*.{ts,tsx}", "src/x.tsx", False, True),
    ("*.py", "deep/down/x.py", True, True),
    ("src/*.py", "src/x.py", True, True),
    ("src/*.py", "lib/src/x.py", False, False),
    ("a/**/z", "a/z", True, True),
    ("a/**/z", "a/b/c/z", True, True),
    ("docs", "docs/x.md", True, False),  # gitignore: a folder covers what is inside; a tool glob names files
    ("docs/**", "docs/a/b.md", True, True),
    ("*", "a/b/c", True, True),
]


@pytest.mark.parametrize(("pattern", "rel", "as_gitignore", "as_tool"), CASES)
def test_one_semantics_for_every_user(pattern: str, rel: str, as_gitignore: bool, as_tool: bool) -> None:
    assert ignored(pattern, rel) is as_gitignore
    assert rule_matches(pattern, rel) is as_gitignore
    assert glob_matches(pattern, rel) is as_tool


def test_rule_anchors_still_follow_claude_code() -> None:
    assert rule_matches("/src/*.py", "src/a.py") and not rule_matches("/src/*.py", "x/src/a.py")
    assert rule_matches("./secrets/**", "secrets/k") and rule_matches("secrets/**", "secrets")
    assert path_matcher("~/.ssh/**", cwd=ROOT, base=ROOT, home="/home/u")("/home/u/.ssh/id_rsa")
    assert path_matcher("//etc/passwd", cwd=ROOT, base=ROOT, home="/home/u")("/etc/passwd")
    assert rule_matches("!x", "!x") and rule_matches("#x", "#x")  # literal here: a rule is not an ignore line


def test_ignore_lines_negate_and_comment() -> None:
    assert gitignore_pattern("# note") is None and gitignore_pattern("   ") is None
    found = gitignore_pattern("!keep.log")
    assert found is not None and found[1] is False
    matcher = IgnoreMatcher(parse_rules("*.log\n!keep.log\nbuild/\n"))
    assert matcher.ignored("a.log", False) and not matcher.ignored("keep.log", False)
    assert matcher.ignored("build", True) and not matcher.ignored("build", False)


def test_brace_expansion() -> None:
    assert expand_braces("*.{ts,tsx}") == ["*.ts", "*.tsx"]
    assert expand_braces("{a,{b,c}}{1,2}") == ["a1", "a2", "b1", "b2", "c1", "c2"]
    assert expand_braces("\\{a,b}") == ["\\{a,b}"] and expand_braces("{a}") == ["{a}"]
    assert expand_braces("{a,b") == ["{a,b"]
    assert glob_matches("#x", "#x") and glob_matches("!x", "!x")
    with pytest.raises(GlobError):
        expand_braces("{a,b}" * 10)  # 1,024 alternatives
