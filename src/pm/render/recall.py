"""``pm recall`` in each of its formats: text (80 columns), md (a pull-request comment),
github (a ``::notice`` on each changed file an incident names) and json.

Every format says why each incident was recalled, its recurring-cause group and its open
action items. ``md`` and ``github`` print nothing when no incident was recalled, so a CI
job comments only when there is something to say.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from pm import textsafety
from pm.render import ci, output

if TYPE_CHECKING:
    from pm.config import Config
    from pm.model import ActionItem
    from pm.recall import Reason, Recalled
    from pm.recallread import RecallResult

WIDTH = 80
_STATUS = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "C": "copied"}
_STATUS.update({"T": "type changed", "?": "untracked", "-": "given"})


def render(result: RecallResult, shown: list[Recalled], fmt: str, config: Config) -> None:
    if fmt == "json":
        output.print_json(as_json(result, shown, config))
    elif fmt == "md":
        output.write(markdown(result, shown, config))
    elif fmt == "github":
        output.write(github(result))
    else:
        text(result, shown)


def why(reason: Reason) -> str:
    """One reason in words: ``reconcile.sql is named in Root Cause``."""
    if reason.kind == "service":
        return f"{reason.file} is in service {reason.name} (paths {reason.where!r})"
    if reason.kind == "service-folder":
        return f"{reason.file} is in a folder named like service {reason.name}"
    if reason.kind == "tag":
        return f"{reason.file} is named like tag {reason.name}"
    where = f"in {reason.where}" if reason.where else ""
    if reason.kind == "name":
        return f"{reason.file} is named by its file name ({reason.name}) {where}"
    if reason.kind == "folder":
        return f"{reason.file} is in {reason.name}, named {where}"
    shown = "" if reason.name == reason.file else f" (as {reason.name})"
    return f"{reason.file} is named{shown} {where}"


def _item(item: ActionItem) -> str:
    owner = item.owner or "no owner"
    return f"#{item.number} {item.text} ({owner}, {item.priority}, {item.status}, due {item.due})"


def _group_line(found: Recalled) -> tuple[str, list[str]] | None:
    """The group in words, and the other incidents in it."""
    group = found.group
    if group is None:
        return None
    others = [i["id"] for i in group["incidents"] if i["id"] != found.postmortem.id]
    terms = ", ".join(group["terms"][:4])
    line = f"recurring cause: {group['count']} incidents, {group['first']} to {group['last']}"
    line += f" ({terms})" if terms else ""
    count = group["open_actions"]
    if count:
        line += f"; {count} open action item{'s' if count != 1 else ''} address it"
    return line, others


# --- text --------------------------------------------------------------------------------------


def text(result: RecallResult, shown: list[Recalled]) -> None:
    files = len(result.changes)
    if not files:
        output.line("No changed files: nothing to recall.")
        return
    count = len(result.recalled)
    noun = "file" if files == 1 else "files"
    if not count:
        output.line(f"No past incident names the {files} changed {noun}.")
        return
    more = f" (the first {len(shown)} shown; --limit 0 shows all)" if len(shown) < count else ""
    lead = "1 past incident names" if count == 1 else f"{count} past incidents name"
    output.line(_fill(f"{lead} the {files} changed {noun}{more}:", ""))
    for found in shown:
        p = found.postmortem
        output.line()
        output.line(output.safe(f"{p.id}  {p.severity}  {p.status}"))
        output.line(_fill(p.title, "  "))
        for reason in found.reasons:
            output.line(_fill("why: " + why(reason), "  ", "       "))
            if reason.text and reason.where:
                output.line(_fill(f'"{_clip(reason.text)}"', "       "))
        group = _group_line(found)
        if group:
            output.line(_fill(group[0], "  ", "    "))
            output.line(_fill("same cause: " + ", ".join(group[1]), "    ", "      "))
        items = found.open_actions
        output.line(f"  open action items: {len(items) or 'none'}")
        for item in items:
            output.line(_fill(_item(item), "    ", "      "))


def _fill(words: str, first: str, rest: str | None = None) -> str:
    return textwrap.fill(
        output.safe(words),
        WIDTH,
        initial_indent=first,
        subsequent_indent=first if rest is None else rest,
        break_on_hyphens=False,
        break_long_words=True,
    )


def _clip(line: str, limit: int = 140) -> str:
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


# --- markdown ---------------------------------------------------------------------------------


def markdown(result: RecallResult, shown: list[Recalled], config: Config) -> str:
    """A pull-request comment: a table of the incidents, then details one can unfold."""
    if not result.recalled:
        return ""
    cell = textsafety.markdown_cell
    count = len(result.recalled)
    files = len(result.changes)
    lead = "1 past incident names" if count == 1 else f"{count} past incidents name"
    lines = [
        f"### pm recall: {lead} the files this change touches",
        "",
        "| incident | severity | why | open items |",
        "| --- | --- | --- | --- |",
    ]
    for found in shown:
        p = found.postmortem
        reasons = "; ".join(_short(r) for r in found.reasons[:3])
        more = f" (+{len(found.reasons) - 3})" if len(found.reasons) > 3 else ""
        lines.append(
            f"| {_link(p.id, config)}<br>{cell(p.title)} | {cell(p.severity)} "
            f"| {cell(reasons)}{more} | {len(found.open_actions)} |"
        )
    if len(shown) < count:
        lines += ["", f"The first {len(shown)} of {count}; `pm recall --limit 0` lists all."]
    lines += ["", f"<details><summary>Why, recurring causes, open action items ({files} "
              f"changed file{'s' if files != 1 else ''})</summary>", ""]  # fmt: skip
    for found in shown:
        lines.append(f"**{cell(found.postmortem.id)}**")
        lines.append("")
        for reason in found.reasons:
            quote = f": “{cell(_clip(reason.text))}”" if reason.text else ""
            lines.append(f"- {cell(why(reason))}{quote}")
        group = _group_line(found)
        if group:
            lines.append(f"- {cell(group[0])}; with {cell(', '.join(group[1]))}")
        for item in found.open_actions:
            lines.append(f"- open: {cell(_item(item))}")
        lines.append("")
    lines += ["</details>", ""]
    return "\n".join(lines)


def _short(reason: Reason) -> str:
    if reason.kind in ("service", "service-folder"):
        return f"{reason.file}: service {reason.name}"
    if reason.kind == "tag":
        return f"{reason.file}: tag {reason.name}"
    return f"{reason.file}: named in {reason.where}"


def _link(postmortem_id: str, config: Config) -> str:
    """The id, linked to the file on GitHub or GitLab when ``[site] repository_url`` is set."""
    site = config.site
    shown = f"`{textsafety.markdown_cell(postmortem_id)}`"
    if not site.repository_url:
        return shown
    path = f"{config.directory}/{postmortem_id[:4]}/{postmortem_id}.md"
    return f"[{shown}]({site.repository_url}/blob/{site.branch}/{path})"


# --- GitHub -------------------------------------------------------------------------------------


def github(result: RecallResult) -> str:
    """One ``::notice`` per changed file that an incident names, listing them and why."""
    by_file: dict[str, list[str]] = {}
    for found in result.recalled:
        for file in found.files:
            kinds = [_short(r).split(": ", 1)[1] for r in found.reasons if r.file == file]
            by_file.setdefault(file, []).append(f"{found.postmortem.id} ({', '.join(kinds)})")
    annotations = [
        ci.Annotation(
            "notice",
            file,
            None,
            "pm recall: past incidents",
            ("1 past incident names" if len(ids) == 1 else f"{len(ids)} past incidents name")
            + " this file: "
            + "; ".join(ids),
        )
        for file, ids in sorted(by_file.items())
    ]
    return ci.github(annotations)


# --- JSON ------------------------------------------------------------------------------------


def as_json(result: RecallResult, shown: list[Recalled], config: Config) -> dict[str, Any]:
    return {
        "version": 1,
        "files": [
            {"path": c.path, "status": _STATUS.get(c.status, c.status), "old_path": c.old_path}
            for c in result.changes
        ],
        "total": len(result.recalled),
        "incidents": [_incident(found, config) for found in shown],
    }


def _incident(found: Recalled, config: Config) -> dict[str, Any]:
    p = found.postmortem
    group = found.group
    return {
        "id": p.id,
        "title": p.title,
        "severity": p.severity,
        "status": p.status,
        "started": p.started,
        "path": f"{config.directory}/{p.id[:4]}/{p.id}.md",
        "services": list(p.services),
        "tags": list(p.tags),
        "reasons": [
            {"file": r.file, "kind": r.kind, "name": r.name, "where": r.where, "text": r.text}
            for r in found.reasons
        ],
        "open_actions": [
            {
                "number": a.number,
                "text": a.text,
                "owner": a.owner,
                "priority": a.priority,
                "status": a.status,
                "due": a.due,
            }
            for a in found.open_actions
        ],
        "group": None
        if group is None
        else {
            "count": group["count"],
            "first": group["first"],
            "last": group["last"],
            "terms": group["terms"],
            "incidents": [i["id"] for i in group["incidents"]],
            "open_actions": group["open_actions"],
            "status": group["status"],
        },
    }
