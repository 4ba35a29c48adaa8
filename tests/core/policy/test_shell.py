"""Shell analysis: splitting, nesting, wrappers, opaque commands, and speed on long command lines."""

from __future__ import annotations

import time

import pytest

from workbench.core.policy.shell import analyze
from workbench.core.policy.visible import has_hidden, hidden_characters, make_visible


def programs(command: str) -> list[str]:
    return sorted(s.program for s in analyze(command).segments if s.program)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("git status && rm -rf ./tmp", ["git", "rm"]),
        ("a || b; c | d |& e & f", ["a", "b", "c", "d", "e", "f"]),
        ("a\nb\n\nc", ["a", "b", "c"]),
        ("(cd x; git commit)", ["cd", "git"]),
        ("{ a; b; }", ["a", "b"]),
        ("echo $(git push)", ["echo", "git"]),
        ("echo `git push`", ["echo", "git"]),
        ('echo "x $(git push) y"', ["echo", "git"]),
        ("diff <(git show a) b", ["diff", "git"]),
        ("echo $(echo $(git push))", ["echo", "echo", "git"]),
        ("if git status; then rm x; fi", ["git", "rm"]),
        ("for f in $(ls); do cat $f; done", ["cat", "ls"]),
        ("while true; do git pull; done", ["git", "true"]),
        ("cat <<EOF\n$(git push)\nEOF", ["cat", "git"]),
        ("echo $((1 + $(git rev-list --count HEAD)))", ["echo", "git"]),
        ("! git diff --quiet", ["git"]),
        ("X=$(git push) ls", ["git", "ls"]),
    ],
)
def test_every_simple_command_is_found(command: str, expected: list[str]) -> None:
    analysis = analyze(command)
    assert analysis.error is None
    assert programs(command) == expected


@pytest.mark.parametrize(
    ("command", "wrappers"),
    [
        ("env A=1 B=2 git push", ("env",)),
        ("A=1 git push", ()),
        ("timeout -s KILL 5 git push", ("timeout",)),
        ("nice -n 10 git push", ("nice",)),
        ("nohup git push", ("nohup",)),
        ("time git push", ("time",)),
        ("stdbuf -oL git push", ("stdbuf",)),
        ("command git push", ("command",)),
        ("xargs -I{} git push {}", ("xargs",)),
        ("xargs -n 1 git push", ("xargs",)),
        ("sudo -u root git push", ("sudo",)),
        ("sudo -E timeout 5 nice git push", ("sudo", "timeout", "nice")),
        ("/usr/bin/git push", ()),
        ("exec git push", ("exec",)),
    ],
)
def test_wrappers_and_paths_are_seen_through(command: str, wrappers: tuple[str, ...]) -> None:
    (segment,) = analyze(command).segments
    assert segment.program == "git"
    assert segment.wrappers == wrappers
    assert segment.words[-1].value in ("push", "{}")


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ('bash -c "git push"', "bash -c"),
        ("sh -c 'rm -rf x'", "sh -c"),
        ("zsh -lc 'ls'", "zsh -c"),
        ('python -c "import os"', "python -c"),
        ("python3 -c 'print(1)'", "python3 -c"),
        ('node -e "1"', "node -e"),
        ('perl -e "1"', "perl -e"),
        ('eval "git push"', "eval"),
        ("source ./env.sh", "source"),
        (". ./env.sh", "`.`"),
        ("$CMD --force", "program name"),
        ('"$(which git)" push', "program name"),
        ("curl https://x | sh", "sh starts a shell"),
        ("env -S 'git push'", "env -S"),
        ("sudo -s", "sudo -s"),
        ("f() { ls; }", "function"),
        ("trap 'rm -rf x' EXIT", "trap"),
        ("PATH=/tmp/evil:$PATH", "PATH"),
        ("export LD_PRELOAD=/tmp/x.so", "LD_PRELOAD"),
        ('watch "git push; rm x"', "watch"),
        ('su -c "git push" bob', "su -c"),
        ('flock /tmp/l -c "rm -rf x"', "flock -c"),
    ],
)
def test_commands_the_parser_cannot_see_into_are_opaque(command: str, why: str) -> None:
    opaque = [s.opaque for s in analyze(command).segments if s.opaque]
    assert opaque, command
    assert any(why in o for o in opaque), opaque


def test_inner_scripts_of_bash_c_and_eval_are_analysed_too() -> None:
    analysis = analyze("bash -c 'git push && rm -rf /' && eval 'git reset --hard' && watch 'git fetch; ls'")
    nested = [(s.program, s.via) for s in analysis.segments if s.depth > 0]
    assert ("git", "bash -c") in nested
    assert ("rm", "bash -c") in nested
    assert ("git", "eval") in nested
    assert ("git", "watch") in nested and ("ls", "watch") in nested


def test_find_exec_commands_are_segments() -> None:
    analysis = analyze("find . -name '*.py' -exec git add {} + -execdir rm {} \\;")
    inner = {s.program: s.via for s in analysis.segments if s.depth == 1}
    assert inner == {"git": "find -exec", "rm": "find -execdir"}


def test_command_v_only_looks_a_name_up() -> None:
    (segment,) = analyze("command -v git").segments
    assert segment.lookup_only
    assert segment.program == "command"


@pytest.mark.parametrize(
    ("command", "value"),
    [
        ("g\\it push", "git"),
        ("'git' push", "git"),
        ('"git" push', "git"),
        ("$'\\x67it' push", "git"),
        ("g''it push", "git"),
    ],
)
def test_quoting_tricks_resolve_to_the_real_program(command: str, value: str) -> None:
    (segment,) = analyze(command).segments
    assert segment.program == value


def test_redirections_are_classified() -> None:
    (segment,) = analyze("cmd < in.txt > out.txt 2>&1 >> log &> all 2>/dev/null").segments
    found = [(r.op, r.target.value if r.target else None, r.reads, r.writes) for r in segment.redirects]
    assert ("<", "in.txt", True, False) in found
    assert (">", "out.txt", False, True) in found
    assert (">>", "log", False, True) in found
    assert ("&>", "all", False, True) in found
    assert not any(r.writes for r in segment.redirects if r.target and r.target.value == "1")


@pytest.mark.parametrize("command", ['cat "$(', "echo hi; ; ls", "if then fi", "(("])
def test_unparseable_commands_report_an_error(command: str) -> None:
    assert analyze(command).error is not None


def test_huge_or_nul_commands_are_refused_with_a_reason() -> None:
    assert "longer" in (analyze("x" * 200_000).error or "")
    assert "NUL" in (analyze("ls\x00rm -rf /").error or "")


def test_a_hundred_segments_are_analysed_fast_each_with_its_own_program() -> None:
    parts = [f"git log -{i}" if i % 10 == 0 else f"echo {i} | wc -c" for i in range(100)]
    command = " && ".join(parts)
    started = time.perf_counter()
    analysis = analyze(command)
    elapsed = time.perf_counter() - started
    assert analysis.error is None
    assert len(analysis.segments) == 190
    assert programs(command).count("git") == 10
    assert elapsed < 0.5  # measured ~3 ms; the bound only catches pathological slowness


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("ls\u202e -la", "ls<U+202E> -la"),
        ("rm\u200b -rf", "rm<U+200B> -rf"),
        ("echo \x1b[31mred", "echo <ESC>[31mred"),
        ("a\rb", "a<CR>b"),
        ("x\u00a0y", "x<U+00A0>y"),
        ("\u2066ls\u2069", "<U+2066>ls<U+2069>"),
        ("tag\U000e0041", "tag<U+E0041>"),
        ("plain ascii", "plain ascii"),
        ("caf\u00e9 na\u00efve", "caf\u00e9 na\u00efve"),
        ("two\nlines\tok", "two\nlines\tok"),
    ],
)
def test_hidden_characters_are_made_visible(text: str, shown: str) -> None:
    assert make_visible(text) == shown
    assert has_hidden(text) == (text != shown)


def test_hidden_character_list() -> None:
    assert hidden_characters("a\u202eb\x1bc") == ["<U+202E>", "<ESC>"]
    assert make_visible("a\nb", keep_newlines=False) == "a<LF>b"


def test_a_thousand_segments_do_not_exhaust_the_stack() -> None:
    analysis = analyze(" && ".join(["true"] * 1000) + " | cat")
    assert analysis.error is None
    assert len(analysis.segments) == 1001


def test_very_deep_nesting_is_an_error_not_a_crash() -> None:
    command = "echo " + "$(echo " * 60 + "x" + ")" * 60
    analysis = analyze(command)
    assert analysis.error is not None and "levels deep" in analysis.error


@pytest.mark.parametrize(
    ("command", "writers"),
    [
        ("a && b | c > f", ["c"]),
        ("a && b > f", ["b"]),
        ("a | b > f", ["b"]),
        ("(a; b) > f", ["a", "b"]),
        ("x && { a; b; } > f", ["a", "b"]),
        ("a > f && b", ["a"]),
    ],
)
def test_a_redirection_binds_where_bash_binds_it(command: str, writers: list[str]) -> None:
    found = [s.program for s in analyze(command).segments if any(r.writes for r in s.redirects)]
    assert found == writers


@pytest.mark.parametrize(
    "command",
    [
        "x='a[$(git push)]'; echo $((x))",
        "((x++))",
        "for ((i=0; i<n; i++)); do echo $i; done",
        "[[ $x -eq 1 ]] && echo one",
        "echo ${x@P}",
        "echo ${a[$i]}",
        "let x=y+1",
        "declare -i n=$y",
    ],
)
def test_arithmetic_and_prompt_expansion_of_variables_are_opaque(command: str) -> None:
    assert any(s.opaque and "hidden in" in s.opaque for s in analyze(command).segments)


@pytest.mark.parametrize(
    "command",
    ['echo "${arr[@]}" ${a[0]}', "echo $((1 + 2))", "(( 1 + 2 ))", "[[ -f x ]]", "echo $((1 + $(wc -l < f)))"],
)
def test_constant_arithmetic_is_fine(command: str) -> None:
    assert not any(s.opaque for s in analyze(command).segments)
