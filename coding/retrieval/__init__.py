"""Coded retrieval."""
