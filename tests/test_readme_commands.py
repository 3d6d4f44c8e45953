"""The README and the help cannot drift apart: every command and every option the help
lists is in the README, in the section about its command, and every `pm COMMAND` a
README heading names exists.

Iterated from the declarations (``cli/commands.py``), so a command or an option another
change adds fails here until the README tells people about it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import typer.main

from pm.cli.commands import DECLARED, app

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
ROOT: Any = typer.main.get_command(app)


def _prose(text: str) -> str:
    """The README without its fenced blocks (a sample's ``## pm overdue`` is no heading)."""
    kept: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            kept.append(line)
    return "\n".join(kept)


def _sections() -> list[tuple[str, str]]:
    """Each heading of the README (outside fenced blocks) and the text up to the next."""
    parts = re.split(r"^(#{2,4} .*)$", _prose(README), flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def _command(words: tuple[str, ...]) -> Any:
    command = ROOT
    for word in words:
        command = command.commands[word]
    return command


def _options(command: Any) -> list[list[str]]:
    """Each option's spellings (``--help`` left out)."""
    return [
        [*param.opts, *param.secondary_opts]
        for param in command.params
        if param.param_type_name == "option" and "--help" not in param.opts
    ]


def _mentions(text: str, spellings: list[str]) -> bool:
    return any(re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text) for s in spellings)


def _named(heading: str) -> list[tuple[str, ...]]:
    """The commands a heading names: ``pm action start|done ID N`` names two."""
    named: list[tuple[str, ...]] = []
    for span in re.findall(r"`pm ([^`]*)`", heading):
        words: list[str] = []
        for token in span.split():
            if not re.fullmatch(r"[a-z][a-z|-]*", token):
                break  # a placeholder, an option or a bracket: the command's words ended
            words.append(token)
        if not words:
            continue
        first, *rest = words
        for head in first.split("|"):
            if rest:
                named += [(head, sub) for sub in rest[0].split("|")]
            else:
                named.append((head,))
    return named


VISIBLE = [d.words for d in DECLARED if not _command(d.words).hidden]


@pytest.mark.parametrize("words", VISIBLE, ids=" ".join)
def test_every_command_is_in_the_readme(words: tuple[str, ...]) -> None:
    assert f"pm {' '.join(words)}" in README


# Options many commands share (--no-commit, --json) are told about once, not in each section.
_USES = Counter(
    option for words in VISIBLE for spellings in _options(_command(words)) for option in spellings
)
SHARED = {option for option, uses in _USES.items() if uses >= 5}


@pytest.mark.parametrize("words", [(), *VISIBLE], ids=lambda w: " ".join(w) or "pm")
def test_every_option_is_in_the_readme_where_its_command_is(words: tuple[str, ...]) -> None:
    """Every long option is in the README; where a heading names the command, one of
    those sections names the option too (in any of its spellings)."""
    own = [heading + body for heading, body in _sections() if words and words in _named(heading)]
    for spellings in _options(_command(words)):
        name = f"pm {' '.join(words)} {spellings}"
        assert all(s in README for s in spellings if s.startswith("--")), name
        if own and not set(spellings) & SHARED:
            assert any(_mentions(text, spellings) for text in own), name


def test_every_command_a_heading_names_exists() -> None:
    headings = [heading for heading, _ in _sections()]
    named = [words for heading in headings for words in _named(heading)]
    assert named, "the tour's headings name commands"
    for words in named:
        command = ROOT
        for at, word in enumerate(words):
            if not hasattr(command, "commands"):
                break  # a command's argument: pm completion bash
            group = command
            assert word in group.commands or (
                at > 0 and getattr(group, "default", None)  # pm event ID TEXT
            ), f"README names pm {' '.join(words)}"
            command = group.commands.get(word, group)
