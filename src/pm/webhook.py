"""Posting a message to a chat webhook (``pm notify``): one JSON POST, with a timeout.

The URL is a secret (whoever has it can post to the channel): no message here names it,
not even git's or the network's errors, which are reduced to what went wrong ("connection
refused", "HTTP 500"). urllib is imported only when a message is posted.
"""

from __future__ import annotations

from typing import Any

from pm.errors import PostError, UsageError

TIMEOUT_SECONDS = 10.0


def check_url(url: str) -> None:
    """A usage error unless ``url`` is an http(s) URL (the error does not repeat it)."""
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or any(c.isspace() for c in url):
        raise UsageError("the webhook is not an http:// or https:// URL")


def post(url: str, payload: Any, timeout: float = TIMEOUT_SECONDS) -> int:
    """POST ``payload`` as JSON to ``url``; the HTTP status, or PostError (status >= 400,
    refused, unreachable, timed out)."""
    import json
    import urllib.error
    import urllib.request

    check_url(url)
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - check_url allows http(s) only
        url,
        data=data,
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "pm"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as error:
        raise PostError(
            f"the webhook answered HTTP {error.code} {_plain(str(error.reason))}; "
            "nothing was posted"
        ) from None
    except urllib.error.URLError as error:
        raise PostError(f"could not reach the webhook: {_reason(error.reason)}") from None
    except TimeoutError:
        raise PostError(
            f"the webhook did not answer within {timeout:g} s; nothing was posted"
        ) from None
    except (OSError, ValueError) as error:
        raise PostError(f"could not post to the webhook: {_reason(error)}") from None
    if status >= 400:  # pragma: no cover - urllib raises HTTPError for these
        raise PostError(f"the webhook answered HTTP {status}; nothing was posted")
    return status


def _reason(reason: object) -> str:
    """What went wrong, without any address: ``connection refused``, ``timed out``."""
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    if isinstance(reason, OSError):
        return type(reason).__name__
    return "the request failed" if "://" in str(reason) else _plain(str(reason))


def _plain(text: str) -> str:
    return " ".join(text.split())[:200]
