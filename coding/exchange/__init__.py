"""REFI-QDA exchange: QDPX project and QDC codebook export, QDPX import."""
