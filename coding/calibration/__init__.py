"""Calibration rounds: pre-segmented excerpts coded blind, and their agreement."""
