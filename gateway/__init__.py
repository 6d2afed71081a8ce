"""The HTTP gateway: FastAPI in front of the transmitter, channel and receiver services."""
