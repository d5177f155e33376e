"""Huntaze content service."""
