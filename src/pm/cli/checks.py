"""The bodies of the commands CI runs: ``pm overdue`` and ``pm notify`` (scheduled) and
``pm lint`` (pull requests). The checks return their exit code: 1 while there are
findings; ``pm notify`` 0 once posted (6 when the webhook failed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pm import queries
from pm.cli.shared import choice, unreadable
from pm.errors import ExitCode, PmError, UsageError
from pm.vocabulary import output_format

if TYPE_CHECKING:
    from pm.config import Config
    from pm.queries import OverdueResult
    from pm.workspace import Workspace

# The --format choices, here and not in the renderers: Typer's help names them, and the
# declarations must not import what rendering imports.
OVERDUE_FORMATS = ("text", "json", "github", "md", "slack", "teams", "email")
NOTIFY_FORMATS = ("slack", "teams")
GROUP_BY = ("owner",)
WEBHOOK_ENV = "PM_WEBHOOK_URL"
LINT_FORMATS = ("text", "json", "github", "gitlab")
RECALL_FORMATS = ("text", "md", "github", "json")


def overdue(
    as_of: str | None,
    owner: list[str] | None,
    severity: list[str] | None,
    fmt: str | None,
    as_json: bool,
    fail_on: str,
    due_within: str | None = None,
    group_by: str | None = None,
) -> ExitCode:
    from pm.overdue import FAIL_ON
    from pm.workspace import Workspace

    fmt = output_format(fmt, as_json, OVERDUE_FORMATS, "text")
    choice(fail_on, FAIL_ON, "--fail-on")
    if group_by is not None:
        choice(group_by, GROUP_BY, "--group-by")
        if fmt != "email":
            raise UsageError("--group-by owner is for --format email (one message per owner)")
    window = _window(due_within)
    ws = Workspace(_repository(fmt))
    result = queries.overdue(ws, as_of=as_of, owner=owner, severity=severity, due_within=window)
    _render_overdue(ws, result, fmt, per_owner=group_by == "owner")
    unreadable(result.errors)
    return ExitCode.FINDINGS if result.fails(fail_on) else ExitCode.OK


def _render_overdue(ws: Workspace, result: OverdueResult, fmt: str, *, per_owner: bool) -> None:
    from pm.render import output

    if fmt in ("slack", "teams"):
        output.print_json(_chat_payload(ws, result, fmt))
    elif fmt == "email":
        import os

        from pm.render import chat

        sender = os.environ.get("PM_EMAIL_FROM") or chat.EMAIL_FROM
        now = ws.now()
        messages = chat.emails(result, ws.config, per_owner=per_owner, sender=sender, now=now)
        output.write(chat.mbox(messages, now) if per_owner else messages[0].as_string())
    else:
        from pm.render import overdue as render

        render.render(result, fmt)


def _chat_payload(ws: Workspace, result: OverdueResult, fmt: str) -> dict[str, Any]:
    from pm.render import chat

    return chat.slack(result, ws.config) if fmt == "slack" else chat.teams(result, ws.config)


def _window(due_within: str | None) -> int | None:
    """``--due-within``: ``3d``, ``2w``, ``3`` (days) as a number of days."""
    if due_within is None:
        return None
    import re

    match = re.fullmatch(r"\s*(\d{1,4})\s*(d|days?|w|weeks?)?\s*", due_within.lower())
    if match is None:
        raise UsageError(f"--due-within takes days or weeks (3d, 2w), not {due_within!r}")
    days = int(match.group(1))
    return days * 7 if (match.group(2) or "d").startswith("w") else days


def notify(
    webhook: str | None,
    webhook_env: str | None,
    fmt: str | None,
    changed_since: str | None,
    as_of: str | None,
    owner: list[str] | None,
    severity: list[str] | None,
    due_within: str | None,
    dry_run: bool,
) -> ExitCode:
    """Post the overdue message to a webhook (or print it with ``--dry-run``)."""
    import os

    from pm.render import chat, output
    from pm.workspace import Workspace

    fmt = output_format(fmt, False, NOTIFY_FORMATS, "slack")
    url = webhook
    if url is None and webhook_env is not None:
        url = os.environ.get(webhook_env) or None
        if url is None and not dry_run:
            raise UsageError(f"--webhook-env {webhook_env}: that environment variable is not set")
    if url is None and webhook_env is None:
        url = os.environ.get(WEBHOOK_ENV) or None
    if url is None and not dry_run:
        raise UsageError(f"no webhook: give --webhook URL, --webhook-env NAME or set {WEBHOOK_ENV}")
    if url is not None:
        from pm.webhook import check_url

        check_url(url)
    window = _window(due_within)
    ws = Workspace(_repository(fmt))
    result = queries.overdue(ws, as_of=as_of, owner=owner, severity=severity, due_within=window)
    if changed_since is not None:
        result = queries.new_since(ws, result, changed_since, owner=owner, severity=severity)
    what = chat.summary(result)
    if changed_since is not None:
        what += f" (new since {changed_since})"
    if not result.findings and not result.soon:
        output.message(f"Nothing to announce: {what}.")
    elif dry_run or url is None:
        output.print_json(_chat_payload(ws, result, fmt))
    else:
        from pm.webhook import post

        status = post(url, _chat_payload(ws, result, fmt))
        output.message(f"Posted to the webhook (HTTP {status}): {what}.")
    unreadable(result.errors)  # a late item may hide in a file pm could not read
    return ExitCode.OK


def lint(
    paths: list[str] | None,
    fmt: str | None,
    as_json: bool,
    strict: bool,
    fix: bool,
    discard_block_edits: bool,
    rules: bool,
    changed: bool = False,
    jobs: int = 0,
) -> ExitCode:
    from pm import lint as linter
    from pm.render import lint as render

    fmt = output_format(fmt, as_json, LINT_FORMATS, "text")
    if rules:
        render.rules(list(linter.RULES.values()))
        return ExitCode.OK
    base = None
    if changed and paths:  # pm lint --changed [BASE]
        if len(paths) > 1:
            raise UsageError("--changed takes one BASE (a branch or commit), not paths")
        base, paths = paths[0], None
    config = _repository(fmt, folder=not paths)
    result = linter.lint(
        config,
        paths or [],
        strict=strict,
        fix=fix,
        discard_block_edits=discard_block_edits,
        changed=changed,
        base=base,
        jobs=jobs,
    )
    render.render(result, fmt)
    return ExitCode.FINDINGS if result.count("error") else ExitCode.OK


def recall(
    paths: list[str] | None,
    files: list[str] | None,
    diff: str | None,
    repo: str | None,
    limit: int,
    fmt: str | None,
    as_json: bool,
    fail_on_open: bool,
) -> ExitCode:
    """Past incidents that name the changed files; 1 with ``--fail-on-open`` while one of
    them has open action items, else 0 (it is advice)."""
    from pm import recallread
    from pm.render import recall as render
    from pm.workspace import Workspace

    fmt = output_format(fmt, as_json, RECALL_FORMATS, "text")
    given = [*(paths or []), *(files or [])]
    if diff is None and not given:
        raise UsageError("nothing to recall for: give --paths FILE... or --diff REV")
    if diff is not None and given:
        raise UsageError("give --paths FILE... or --diff REV, not both")
    if repo is not None and diff is None:
        raise UsageError("--repo is where --diff looks; give --diff REV with it")
    if limit < 0:
        raise UsageError(f"--limit must be 0 (all) or more, not {limit}")
    ws = Workspace(_repository(fmt))
    if diff is not None:
        changes = recallread.diff_changes(diff, repo)
    else:
        changes = recallread.given_paths(given)
    result = recallread.read(ws, changes, limit)
    shown = result.recalled[:limit] if limit else result.recalled
    render.render(result, shown, fmt, ws.config)
    unreadable(result.errors)
    if fail_on_open and any(found.open_actions for found in result.recalled):
        return ExitCode.FINDINGS
    return ExitCode.OK


def _repository(fmt: str, *, folder: bool = True) -> Config:
    """The configuration of the repository to check, which must really be there (see
    ``location.check_readable``): a scheduled job in the wrong folder fails, with an
    ``::error::`` on the run's page when it speaks GitHub."""
    from pm.config import load_config
    from pm.location import check_readable

    try:
        config = load_config()
        check_readable(config, folder=folder)
    except PmError as error:
        if fmt == "github":
            from pm.render import ci, output

            output.write(ci.github_error(error.message))
        raise
    return config
