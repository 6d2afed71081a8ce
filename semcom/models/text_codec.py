"""A DeepSC-style learned text codec: transformer semantic + channel coding into analog symbols.

Transmitter: word tokens -> embedding + position -> transformer encoder (semantic
encoder) -> MLP (channel encoder) to ``channel_dim`` real values per token ->
power normalisation (unit average complex-symbol power per sentence). The link
sends them as analog symbols: ``channel_dim / 2`` channel uses per token.
Receiver: MLP (channel decoder) -> transformer encoder layers (semantic decoder)
-> a word at every position; the first ``<eos>`` ends the sentence.

The decoder is non-autoregressive (one word per received position), a
simplification of DeepSC's autoregressive transformer decoder: the sentence length
is the number of received positions, which the symbol count fixes anyway.
Training draws an AWGN SNR per sentence, so one model serves a range of SNRs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from semcom.text.bleu import tokens as word_tokens

PAD, UNK, EOS = "<pad>", "<unk>", "<eos>"
SPECIALS = (PAD, UNK, EOS)


@dataclass
class TextCodecConfig:
    vocab: list[str] = field(default_factory=lambda: list(SPECIALS))
    max_tokens: int = 32  # words + <eos>
    d_model: int = 128
    heads: int = 4
    layers: int = 3
    channel_dim: int = 16  # real values per token: 8 complex channel uses

    def to_dict(self) -> dict:
        return asdict(self)


class TextCodec(nn.Module):
    def __init__(self, config: TextCodecConfig) -> None:
        super().__init__()
        self.config = c = config
        self.index = {w: i for i, w in enumerate(c.vocab)}
        self.embed = nn.Embedding(len(c.vocab), c.d_model)
        self.position = nn.Embedding(c.max_tokens, c.d_model)
        self.semantic_encoder = _transformer(c)
        self.channel_encoder = nn.Sequential(nn.Linear(c.d_model, 2 * c.d_model), nn.ReLU(),
                                             nn.Linear(2 * c.d_model, c.channel_dim))
        self.channel_decoder = nn.Sequential(nn.Linear(c.channel_dim, 2 * c.d_model), nn.ReLU(),
                                             nn.Linear(2 * c.d_model, c.d_model), nn.LayerNorm(c.d_model))
        self.semantic_decoder = _transformer(c)
        self.head = nn.Linear(c.d_model, len(c.vocab))

    # -------------------------------------------------------- text <-> ids
    def ids(self, text: str) -> list[int]:
        words = word_tokens(text)[: self.config.max_tokens - 1]
        return [self.index.get(w, self.index[UNK]) for w in words] + [self.index[EOS]]

    def text(self, ids: list[int]) -> str:
        words = []
        for i in ids:
            word = self.config.vocab[i]
            if word == EOS:
                break
            if word != PAD:
                words.append(word)
        return _detokenise(words)

    # -------------------------------------------------------- the two halves
    def encode(self, ids: torch.Tensor, pad_mask: torch.Tensor) -> torch.Tensor:
        """(N, L) ids, (N, L) True at padding -> (N, L, channel_dim) symbols, unit average complex power."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        h = self.semantic_encoder(self.embed(ids) + self.position(positions), src_key_padding_mask=pad_mask)
        x = self.channel_encoder(h).masked_fill(pad_mask[..., None], 0.0)
        counts = (~pad_mask).sum(1).clamp(min=1)[:, None, None] * (self.config.channel_dim / 2)
        power = x.pow(2).sum(dim=(1, 2), keepdim=True) / counts  # per complex symbol
        return x / power.clamp(min=1e-12).sqrt()

    def decode(self, symbols: torch.Tensor, pad_mask: torch.Tensor) -> torch.Tensor:
        """(N, L, channel_dim) received symbols -> (N, L, vocab) logits."""
        positions = torch.arange(symbols.shape[1], device=symbols.device)
        h = self.channel_decoder(symbols) + self.position(positions)
        return self.head(self.semantic_decoder(h, src_key_padding_mask=pad_mask))


def awgn(symbols: torch.Tensor, snr_db: torch.Tensor) -> torch.Tensor:
    """Complex AWGN at Es/N0 = snr_db per sentence on unit-power symbols (real pairs): N0/2 per real value."""
    n0 = 10.0 ** (-snr_db / 10.0)
    return symbols + torch.randn_like(symbols) * (n0 / 2).sqrt()[:, None, None]


def _transformer(c: TextCodecConfig) -> nn.TransformerEncoder:
    layer = nn.TransformerEncoderLayer(c.d_model, c.heads, 4 * c.d_model, dropout=0.1, batch_first=True)
    return nn.TransformerEncoder(layer, c.layers, enable_nested_tensor=False)


def _detokenise(words: list[str]) -> str:
    out = ""
    for w in words:
        attach = w in {".", ",", "!", "?", ":", ";", "'", ")"} or out.endswith(("'", "("))
        out += w if (attach or not out) else " " + w
    return out
