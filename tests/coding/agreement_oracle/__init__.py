"""A frozen copy of the agreement engine as it was before the speed work of issue 12 (part 5):
the oracle the property tests compare the current engine with (``==`` on the exact values).

Copied verbatim from coding/agreement/{spans,coefficient,unitizing,segment_matching,
character_level}.py at commit 1131650, with only the imports pointed here. Do not edit:
it is the reference, not code under maintenance.
"""
