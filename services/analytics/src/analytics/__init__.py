"""Huntaze analytics service."""
