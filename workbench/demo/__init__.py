"""The demo study: a seeded, synthetic longitudinal study (build.py makes it)."""
