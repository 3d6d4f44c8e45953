"""``pm site``: a static website of every postmortem, and the links HTML reports share.

- ``links``: where tickets, files, commits and pages link to (``[site]`` in the config).
- ``collect``: the site's data, read once a build: postmortems, their files' digests,
  similar incidents and recurring-cause groups; ``history`` reads each file's history
  from git; ``state`` keeps what the next build reuses.
- ``pages``: every page the site has, each with the key of its inputs and its data.
- ``prose``: a postmortem's body on its page (generated blocks drawn from the front
  matter) and as search text.
- ``build``: renders the pages whose key changed, writes them, removes pages that went.

Nothing here is imported at start-up; ``pm site`` and the HTML reports import it.
"""
