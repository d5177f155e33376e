"""Huntaze inbox service."""
