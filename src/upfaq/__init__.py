"""upfaq: instant, trustworthy answers to policy questions from a bundled knowledge base."""

__version__ = "0.1.0"
