"""Diffusion schedulers (kept apart from models and pipelines, diffusers-style)."""
