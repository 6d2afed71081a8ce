"""Swin-Transformer building blocks (Liu et al., 2021), written for images of any size.

Windowed multi-head self-attention with a learned relative position bias,
alternating with shifted windows. Feature maps whose sides are not multiples of
the window are zero-padded inside each block (as the Swin detection code does),
and the window shrinks to the feature map when the map is smaller.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class WindowAttention(nn.Module):
    def __init__(self, dim: int, heads: int, window: int) -> None:
        super().__init__()
        self.heads, self.window = heads, window
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.bias_table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, heads))
        nn.init.trunc_normal_(self.bias_table, std=0.02)
        coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (window - 1)
        self.register_buffer("bias_index", rel[..., 0] * (2 * window - 1) + rel[..., 1], persistent=False)

    def forward(self, x: torch.Tensor, window: int, mask: torch.Tensor | None) -> torch.Tensor:
        """x: (windows * batch, window * window, dim); mask: (windows, n, n) or None."""
        bw, n, dim = x.shape
        qkv = self.qkv(x).reshape(bw, n, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        index = self.bias_index if window == self.window else _crop_index(self.window, window, self.bias_index)
        bias = self.bias_table[index.reshape(-1)].reshape(n, n, -1).permute(2, 0, 1)  # (heads, n, n)
        if mask is None:
            attn_mask = bias.unsqueeze(0)
        else:  # windows are ordered batch-major, so window i of image b is row b * nw + i
            nw = mask.shape[0]
            per_window = bias.unsqueeze(0) + mask.unsqueeze(1)  # (nw, heads, n, n)
            attn_mask = per_window.unsqueeze(0).expand(bw // nw, -1, -1, -1, -1).reshape(bw, self.heads, n, n)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask.to(q.dtype), scale=self.scale)
        return self.proj(out.transpose(1, 2).reshape(bw, n, dim))


def _crop_index(full: int, window: int, index: torch.Tensor) -> torch.Tensor:
    """Relative-position indices for a smaller window, in the full window's bias table."""
    coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")).flatten(1)
    rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (full - 1)
    return (rel[..., 0] * (2 * full - 1) + rel[..., 1]).to(index.device)


def map_shifts(height: int, width: int, window: int) -> bool:
    """Whether a shifted-window block shifts a feature map of this size: only a map larger than one
    window does (a smaller one is a single window, which the block shrinks to the map)."""
    return min(height, width) > window


class SwinBlock(nn.Module):
    """LayerNorm -> (shifted) window attention -> LayerNorm -> MLP, with residuals."""

    def __init__(self, dim: int, heads: int, window: int, shift: bool, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.window, self.shift = window, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, heads, window)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, height, width, dim)."""
        b, h, w, c = x.shape
        window = min(self.window, h, w)
        shift = window // 2 if self.shift and map_shifts(h, w, self.window) else 0
        y = self.norm1(x)
        pad_h, pad_w = (-h) % window, (-w) % window
        y = F.pad(y, (0, 0, 0, pad_w, 0, pad_h))
        hp, wp = h + pad_h, w + pad_w
        mask = None
        if shift:
            y = torch.roll(y, shifts=(-shift, -shift), dims=(1, 2))
            mask = _shift_mask(hp, wp, window, shift, x.device, y.dtype)
        windows = y.reshape(b, hp // window, window, wp // window, window, c).permute(0, 1, 3, 2, 4, 5)
        windows = windows.reshape(-1, window * window, c)
        windows = self.attn(windows, window, mask)
        y = windows.reshape(b, hp // window, wp // window, window, window, c).permute(0, 1, 3, 2, 4, 5)
        y = y.reshape(b, hp, wp, c)
        if shift:
            y = torch.roll(y, shifts=(shift, shift), dims=(1, 2))
        x = x + y[:, :h, :w]
        return x + self.mlp(self.norm2(x))


def _shift_mask(h: int, w: int, window: int, shift: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """-inf between tokens that the cyclic shift brought together from different regions."""
    region = torch.zeros(h, w, device=device)
    label = 0
    for hs in (slice(0, -window), slice(-window, -shift), slice(-shift, None)):
        for ws in (slice(0, -window), slice(-window, -shift), slice(-shift, None)):
            region[hs, ws] = label
            label += 1
    windows = region.reshape(h // window, window, w // window, window).permute(0, 2, 1, 3).reshape(-1, window**2)
    diff = windows[:, None, :] - windows[:, :, None]
    return torch.zeros_like(diff, dtype=dtype).masked_fill(diff != 0, float("-inf"))


class SwinStage(nn.Module):
    def __init__(self, dim: int, depth: int, heads: int, window: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(SwinBlock(dim, heads, window, shift=i % 2 == 1) for i in range(depth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return x


class PatchMerging(nn.Module):
    """2x2 neighbourhood -> one token: halves the resolution (channels-last)."""

    def __init__(self, dim: int, out_dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduce = nn.Linear(4 * dim, out_dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, c = x.shape
        x = x.reshape(b, h // 2, 2, w // 2, 2, c).permute(0, 1, 3, 4, 2, 5).reshape(b, h // 2, w // 2, 4 * c)
        return self.reduce(self.norm(x))


class PatchSplitting(nn.Module):
    """One token -> 2x2 tokens: doubles the resolution (the decoder's mirror of PatchMerging)."""

    def __init__(self, dim: int, out_dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.expand = nn.Linear(dim, 4 * out_dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, _ = x.shape
        x = self.expand(self.norm(x))
        c = x.shape[-1] // 4
        return x.reshape(b, h, w, 2, 2, c).permute(0, 1, 3, 2, 4, 5).reshape(b, 2 * h, 2 * w, c)
