"""Huntaze gateway."""
