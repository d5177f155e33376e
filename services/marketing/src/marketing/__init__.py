"""Huntaze marketing service."""
