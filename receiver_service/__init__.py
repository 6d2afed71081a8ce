"""The receiver: runs a pipeline's decoder / generator, SemanticPayload -> image."""
