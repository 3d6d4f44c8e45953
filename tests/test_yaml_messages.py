"""A YAML mistake in a hand-edited file gets a human message, on the same line everywhere.

PyYAML's own words ("mapping values are not allowed in this context", "found unexpected
end of stream" at the end of the file) become what to do, on the line the mistake is
on: a value containing ``: `` (with the fixed line), a tab used to indent, a quote never
closed. Schema errors name events and items as ``pm show`` numbers them.
"""

from __future__ import annotations

import pytest

from conftest import CliRunnerCall, Repo
from pm.frontmatter.yamlhelp import field_name, key_path, quoted_line

PID = "2024-01-15-checkout-down"
FILE = f"postmortems/2024/{PID}.md"

TEXT = """\
---
id: 2024-01-15-checkout-down
title: Checkout down
severity: SEV-2
status: active
timeline:
- at: 2024-01-15T14:05:00Z
  kind: started
  text: Alerts fired
- at: 2024-01-15T14:20:00Z
  kind: note
  text: Paged the database team
actions:
- number: 3
  text: Alert on checkout errors
  owner: bob
  priority: P1
  due: 2024-02-01
  status: open
---
## Summary
"""
EVENT_LINE = 12  # `  text: Paged the database team`
DUE_LINE = 18


def write(repo: Repo, text: str) -> None:
    path = repo.path / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    repo.git("add", "-A")
    repo.git("commit", "--quiet", "-m", "written by hand")


def messages(cli: CliRunnerCall) -> dict[str, str]:
    """The one-line error of each command that reads the file."""
    out = {}
    for command in (["show", PID], ["list"], ["action", "list"]):
        result = cli(*command)
        assert result.exit_code == 3, result.output
        out[command[0]] = result.stderr.splitlines()[0]
    lint = cli("lint")
    assert lint.exit_code == 1
    out["lint"] = lint.stdout.splitlines()[0]
    return out


def assert_everywhere(cli: CliRunnerCall, line: int, words: str) -> None:
    for command, message in messages(cli).items():
        assert message.startswith(("pm: " if command != "lint" else "") + f"{FILE}:{line}: "), (
            command,
            message,
        )
        assert words in message, (command, message)


def test_a_value_with_colon_space_shows_the_quoted_line(repo: Repo, cli: CliRunnerCall) -> None:
    write(repo, TEXT.replace("Paged the database team", "Paged: the database team"))
    assert_everywhere(
        cli,
        EVENT_LINE,
        'a value containing ": " must be quoted; write it as: text: "Paged: the database team"',
    )


def test_a_tab_used_to_indent_is_named(repo: Repo, cli: CliRunnerCall) -> None:
    write(repo, TEXT.replace("  owner: bob", "\towner: bob"))
    assert_everywhere(cli, 16, "a tab is used for indentation; YAML indents with spaces only")


@pytest.mark.parametrize("quote", ['"', "'"])
def test_an_unclosed_quote_is_named_where_it_opens(
    repo: Repo, cli: CliRunnerCall, quote: str
) -> None:
    write(repo, TEXT.replace("Paged the database team", f"{quote}Paged the database team"))
    assert_everywhere(cli, EVENT_LINE, f"unclosed quote: the {quote} opened on this line")


def test_other_yaml_errors_keep_pyyaml_words(repo: Repo, cli: CliRunnerCall) -> None:
    write(repo, TEXT.replace("  owner: bob", "  owner: [bob"))
    result = cli("show", PID)
    assert result.exit_code == 3
    assert "invalid YAML: did not find expected ',' or ']'" in result.stderr


def test_schema_errors_name_events_and_items_as_people_see_them(
    repo: Repo, cli: CliRunnerCall
) -> None:
    write(repo, TEXT.replace("due: 2024-02-01", "due: someday"))
    show = cli("show", PID)
    assert show.exit_code == 3
    assert show.stderr == (
        f"pm: {FILE}:{DUE_LINE}: action item 3 (due): must be a date (YYYY-MM-DD), not 'someday'\n"
    )
    lint = cli("lint").stdout
    assert lint.startswith(
        f"{FILE}:{DUE_LINE}: error: action item 3 (due): 'someday' is not a date (YYYY-MM-DD)"
    )
    write(repo, TEXT.replace("  kind: note\n", ""))
    assert f"{FILE}:10: error: event 2 (kind) is missing" in cli("lint").stdout


def test_quoted_line() -> None:
    assert quoted_line("  text: Paged: db") == '  text: "Paged: db"'
    assert quoted_line("- text: a: b") == '- text: "a: b"'
    assert quoted_line('title: say "hi": now') == "title: 'say \"hi\": now'"
    assert quoted_line("title: ends with:") == 'title: "ends with:"'
    assert quoted_line('text: "a: b"') is None
    assert quoted_line("text: plain") is None


def test_field_names() -> None:
    assert key_path("timeline[13].at") == ("timeline", 13, "at")
    assert field_name(("timeline", 13, "at")) == "event 14 (at)"
    assert field_name(("timeline", 0)) == "event 1"
    front = {"actions": [{"number": 7}, {"number": "x"}]}
    assert field_name(("actions", 0, "due"), front) == "action item 7 (due)"
    assert field_name(("actions", 1, "due"), front) == "action item #2 in the file (due)"
    assert field_name(("review", "due")) == "review.due"
