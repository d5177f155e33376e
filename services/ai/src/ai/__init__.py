"""Huntaze ai service."""
