"""Huntaze billing service."""
