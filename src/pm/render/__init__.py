"""Rendering: every way pm turns results into text, and nothing else.

- ``output``: printing (data on stdout, messages on stderr), terminal tables, JSON;
- ``colour``: which cells and words are coloured, and only on a terminal;
- ``views``: the plain-data (JSON) shape of each thing pm shows, one function per shape;
- ``tables``: the rows of ``pm list``, ``pm action list`` and ``pm log``;
- ``show``: the page ``pm show`` prints;
- ``ci``: what CI systems read (GitHub workflow commands, GitLab Code Quality, markdown);
- ``overdue`` and ``lint``: each check's result in each of its formats;
- ``report`` (markdown and HTML through the templates, JSON), ``reporttext`` (terminal
  and plain text) and ``charts`` (SVG, mermaid, terminal bars): the reports.

Modules here import no heavy library at load time (Rich, Jinja2 load inside the
functions that draw), so a command pays only for the format it prints.
"""
