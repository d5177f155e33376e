"""Huntaze notifications service."""
