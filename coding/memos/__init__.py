"""Memos."""
