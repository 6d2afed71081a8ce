"""Neural network modules (no pipelines or schedulers here, diffusers-style)."""
