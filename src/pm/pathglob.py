"""Path patterns of ``[services.NAME] paths`` (``pm recall``): which files belong to a service.

A pattern is matched against a file's path as git names it, from the top of the
repository, with ``/`` between folders, case-sensitively:

- ``*`` matches any characters but ``/``; ``?`` one character but ``/``; ``[abc]``,
  ``[a-z]`` and ``[!abc]`` one of (or none of) a set;
- ``**`` as a whole part of the path matches any number of folders, none included:
  ``src/payments/**`` is everything below ``src/payments``, ``**/reconcile.sql`` that
  file in any folder;
- a pattern ending in ``/`` is a folder: ``src/payments/`` is ``src/payments/**``;
- a pattern without ``/`` matches a file name in any folder, as in ``.gitignore``:
  ``*.sql``, ``reconcile.sql``.

Pure: ``compile_pattern`` returns a regular expression or raises ``ValueError`` saying
what is wrong, which the configuration turns into a one-line error.
"""

from __future__ import annotations

import re


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The regular expression that matches the paths ``pattern`` names (see above)."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError("a pattern must be a non-empty path like 'src/payments/**'")
    if pattern != pattern.strip() or any(ord(c) < 32 for c in pattern):
        raise ValueError("a pattern must not have spaces around it or control characters")
    if "\\" in pattern:
        raise ValueError("use / between folders (a backslash is not a separator here)")
    if pattern.startswith("/"):
        raise ValueError("patterns start at the top of the repository: drop the leading /")
    text = pattern + "**" if pattern.endswith("/") else pattern
    parts = text.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError("a pattern's folders must be names, not empty, '.' or '..'")
    if "/" not in pattern.rstrip("/"):
        parts = ["**", *parts]  # a bare name: in any folder
    regex = ""
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        if part == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
            continue
        if "**" in part:
            raise ValueError("** must be a whole folder name ('src/**/x.sql'), not part of one")
        regex += _part(part) + ("" if last else "/")
    return re.compile(regex + r"\Z")


def _part(part: str) -> str:
    """One folder or file name of a pattern as a regular expression."""
    out, i = "", 0
    while i < len(part):
        char = part[i]
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = part.find("]", i + 2 if part[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end < 0:
                raise ValueError("a [ opens a set that no ] closes")
            inside = part[i + 1 : end]
            negate = inside.startswith("!")
            inside = inside[1:] if negate else inside
            if not inside:
                raise ValueError("an empty set []")
            escaped = inside.replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
            out += f"[{'^/' if negate else ''}{escaped}]"
            i = end
        else:
            out += re.escape(char)
        i += 1
    return out


def matches(pattern: re.Pattern[str], path: str) -> bool:
    """Whether ``path`` (``src/payments/api.py``) is one of the files ``pattern`` names."""
    return pattern.match(path) is not None
