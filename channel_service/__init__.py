"""The channel: FEC, modulation, noise and fading on a SemanticPayload (maths in semcom.channel)."""
