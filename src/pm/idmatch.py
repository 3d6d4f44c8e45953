"""What a typed id that matches no id could have meant: close ids, and titles holding
the words typed (``pm show waf`` finds "WAF rule blocked checkout").

Pure: the store gives the ids and titles it knows (``Store.resolve``).
"""

from __future__ import annotations

import re
from difflib import get_close_matches

SUGGESTIONS = 5  # at most this many ids in a "did you mean"


def by_title(ref: str, titles: dict[str, str]) -> list[str]:
    """The ids whose title holds every word of ``ref`` at the start of one of its words,
    regardless of case (``waf`` and ``waf rule`` match "WAF rule blocked checkout",
    ``af`` does not), sorted."""
    words = [w for w in re.split(r"[\s_-]+", ref.lower()) if w]
    if not words:
        return []
    patterns = [re.compile(r"(?<!\w)" + re.escape(word)) for word in words]
    return sorted(
        postmortem_id
        for postmortem_id, title in titles.items()
        if all(pattern.search(title.lower()) for pattern in patterns)
    )


def close_ids(ref: str, ids: list[str], limit: int = SUGGESTIONS) -> list[str]:
    """Ids spelled like ``ref``, best first: compared with the whole id, its slug (the
    part after the date), as much of either as was typed (``databse`` for
    ``database-connection-pool-exhausted``) and each word of the slug."""
    ref = ref.lower()
    forms: dict[str, list[str]] = {}
    for postmortem_id in ids:
        lowered = postmortem_id.lower()
        slug = lowered[11:]
        words = [w for w in slug.split("-") if len(w) > 2]
        for form in (lowered, slug, lowered[: len(ref)], slug[: len(ref)], *words):
            if form:
                forms.setdefault(form, []).append(postmortem_id)
    found: list[str] = []
    for form in get_close_matches(ref, list(forms), n=limit * 4, cutoff=0.75):
        for postmortem_id in forms[form]:
            if postmortem_id not in found:
                found.append(postmortem_id)
    return found[:limit]


def suggestions(ref: str, titles: dict[str, str], limit: int = SUGGESTIONS) -> list[str]:
    """Ids to offer for ``ref``: close spellings first, then titles holding its words
    anywhere (``bound`` in "Outbound mail queue stuck")."""
    found = close_ids(ref, list(titles), limit)
    words = [w for w in re.split(r"[\s_-]+", ref.lower()) if len(w) > 2]
    for postmortem_id, title in sorted(titles.items()):
        if words and all(word in title.lower() for word in words) and postmortem_id not in found:
            found.append(postmortem_id)
    return found[:limit]
