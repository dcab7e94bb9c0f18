"""Placeholder; the runtime helper writes the public API here."""
