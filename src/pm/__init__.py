"""pm: blameless incident postmortems as markdown files in git."""

__version__ = "0.1.0"
