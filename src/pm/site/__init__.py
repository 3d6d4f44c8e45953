"""``pm site``: a static website of every postmortem, and the links HTML reports share.

- ``links``: where tickets, files, commits and pages link to (from ``[site]`` in the config).
- ``collect``: the site's data, read once: postmortems, history from git, similar
  incidents and recurring-cause groups (kept between builds in ``state``).
- ``pages``: every page the site has, each with the data it shows and a key of its inputs.
- ``build``: renders the pages whose key changed, writes them, removes pages that went.
- ``searchindex``: the full-text search index, in shards loaded only when someone searches.

Nothing here is imported at start-up; ``pm site`` imports it when it runs.
"""
