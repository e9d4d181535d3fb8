"""Segments: coding a transcript, the coding page, undo."""
