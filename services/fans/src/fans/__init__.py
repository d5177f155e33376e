"""Huntaze fans service."""
