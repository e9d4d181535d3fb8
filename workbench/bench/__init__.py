"""The benchmark: harness.py times operations; each other module registers one area's."""
