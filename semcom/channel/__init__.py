"""Channel maths, in Sionna-like blocks with their conventions stated and tested.

conventions   SNR, power and LLR conventions (written once)
constellation Gray BPSK / square QAM, unit energy
bits          bytes <-> symbol indices
mapper        mapper, hard and LLR demappers
channels      AWGN, Rayleigh (fast / block), Rician, fixed gain; zero-forcing
reed_solomon  RS(n, k) over GF(256), vectorised
interleaver   block interleaver over codeword bytes
number_format segments <-> bytes (UTF-8, float64/32/16, b-bit uniform)
theory        closed-form bit error rates
link          a whole payload through the chain, with LinkStats
"""
