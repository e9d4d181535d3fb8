"""Comparison across groups and waves."""
