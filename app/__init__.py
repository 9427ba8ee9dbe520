"""Offramp: find a banned security product, remove it cleanly, install a replacement, prove protection."""

__version__ = "0.1.0"
