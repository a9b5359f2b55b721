"""paperfeed: a self-hostable Daily Papers site for research communities."""

__version__ = "0.1.0"
