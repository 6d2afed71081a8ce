"""Shared code of the generative semantic communication simulator.

- ``semcom.v1``: generated gRPC stubs (wire format, from ``proto/``)
- ``semcom.wire``: conversion between the wire format and plain Python objects
- ``semcom.channel``: the channel maths (mapper, channels, demapper, Reed-Solomon)
- ``semcom.pipelines``: encoder / decoder pairs, one per pipeline, in a registry
- ``semcom.metrics``: image quality metrics
"""

__version__ = "0.1.0"
