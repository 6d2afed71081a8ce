"""The transmitter: runs a pipeline's encoder, image -> SemanticPayload."""
