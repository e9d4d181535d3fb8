"""Consensus: the side-by-side disagreement review, decisions into the consensus layer, progress."""
