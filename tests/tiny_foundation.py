"""Tiny random foundation models (BLIP, CLIP text encoder + tokenizer, UNet, VAE), saved like real ones.

The tests point the model registry at these folders through the same environment
overrides a user would set (SEMCOM_MODEL_<NAME>=/dir), so the loading and inference
code that real weights go through runs here in seconds. Nothing here is ever used
outside the tests.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import shutil
import tempfile
from functools import cache
from pathlib import Path


# Byte-level BPE alphabet of CLIP (GPT-2's bytes_to_unicode), so every string tokenises.
def _byte_alphabet() -> list[str]:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


CLIP_MAX_TOKENS = 77
TEXT_WORDS = ["a", "photo", "of", "the", "cat", "dog", "on", "with", "red", "blue", "house", "street", "car", "man",
              "woman", "tree", "sky", "water", "boat", "field", "sitting", "standing", "near", "in", "and", "two"]


def save_clip_tokenizer(directory: Path) -> None:
    """A CLIP tokenizer with single characters as tokens (no merges): one token per character."""
    directory.mkdir(parents=True, exist_ok=True)
    chars = _byte_alphabet()
    vocab = {c: i for i, c in enumerate(chars)}
    for c in chars:
        vocab[c + "</w>"] = len(vocab)
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    (directory / "vocab.json").write_text(json.dumps(vocab))
    (directory / "merges.txt").write_text("#version: 0.2\n")
    from transformers import CLIPTokenizer

    tok = CLIPTokenizer(str(directory / "vocab.json"), str(directory / "merges.txt"), model_max_length=CLIP_MAX_TOKENS)
    tok.save_pretrained(directory)


def save_tiny_sd(directory: Path) -> Path:
    """A Stable-Diffusion-shaped pipeline folder (model_index.json + components), random weights."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    save_clip_tokenizer(directory / "_tok")
    tokenizer = CLIPTokenizer.from_pretrained(directory / "_tok")
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
        max_position_embeddings=CLIP_MAX_TOKENS, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, projection_dim=32))
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=8, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32, norm_num_groups=32)
    vae = AutoencoderKL(
        block_out_channels=(8, 8, 8, 8), in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1,
        norm_num_groups=8, down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        sample_size=64)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                              set_alpha_to_one=False, steps_offset=1)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.save_pretrained(directory)
    return directory


def save_tiny_blip(directory: Path) -> Path:
    """A BLIP captioner folder (model, image processor, BERT tokenizer with a tiny vocab), random weights."""
    import torch
    from transformers import BertTokenizer, BlipConfig, BlipForConditionalGeneration, BlipProcessor
    from transformers.models.blip import BlipImageProcessorPil

    torch.manual_seed(0)
    directory.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]", *TEXT_WORDS]
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = BertTokenizer(str(directory / "vocab.txt"), bos_token="[DEC]")
    processor = BlipProcessor(BlipImageProcessorPil(size={"height": 32, "width": 32}), tokenizer)
    config = BlipConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=37, num_attention_heads=4,
                         num_hidden_layers=2, encoder_hidden_size=32, bos_token_id=vocab.index("[DEC]"),
                         sep_token_id=vocab.index("[SEP]"), pad_token_id=0, max_position_embeddings=64),
        vision_config=dict(hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
                           image_size=32, patch_size=8),
        projection_dim=32)
    model = BlipForConditionalGeneration(config)
    model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory


def save_tiny_sdxl(directory: Path) -> Path:
    """An SDXL-shaped pipeline folder: two CLIP text encoders, a UNet with SDXL's micro-conditioning, a VAE."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionXLPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

    torch.manual_seed(3)
    save_clip_tokenizer(directory / "_tok")
    tokenizer = CLIPTokenizer.from_pretrained(directory / "_tok")
    config = CLIPTextConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=37, num_attention_heads=4,
                            num_hidden_layers=2, max_position_embeddings=CLIP_MAX_TOKENS, projection_dim=32,
                            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                            pad_token_id=tokenizer.pad_token_id)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=8, in_channels=4, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4), use_linear_projection=True, addition_embed_type="text_time",
        addition_time_embed_dim=8, projection_class_embeddings_input_dim=6 * 8 + 32, cross_attention_dim=64,
        norm_num_groups=32)
    vae = AutoencoderKL(
        block_out_channels=(8, 8, 8, 8), in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1,
        norm_num_groups=8, down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
        sample_size=64, scaling_factor=0.13025, force_upcast=True)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                              set_alpha_to_one=False, steps_offset=1)
    StableDiffusionXLPipeline(vae=vae, text_encoder=CLIPTextModel(config),
                              text_encoder_2=CLIPTextModelWithProjection(config), tokenizer=tokenizer,
                              tokenizer_2=tokenizer, unet=unet, scheduler=scheduler).save_pretrained(directory)
    return directory


def save_tiny_vae(directory: Path) -> Path:
    """A standalone VAE folder (like stabilityai/sd-vae-ft-mse), the tiny SD's VAE architecture, other weights."""
    import torch
    from diffusers import AutoencoderKL

    torch.manual_seed(1)
    AutoencoderKL(block_out_channels=(8, 8, 8, 8), in_channels=3, out_channels=3, latent_channels=4,
                  layers_per_block=1, norm_num_groups=8, down_block_types=("DownEncoderBlock2D",) * 4,
                  up_block_types=("UpDecoderBlock2D",) * 4, sample_size=64).save_pretrained(directory)
    return directory


def save_tiny_lora(sd_directory: Path, directory: Path) -> Path:
    """A LoRA adapter for the tiny SD's UNet, with random (non-zero) weights so that it changes the output."""
    import torch
    from diffusers import StableDiffusionPipeline, UNet2DConditionModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(2)
    unet = UNet2DConditionModel.from_pretrained(sd_directory / "unet")
    unet.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                                target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    StableDiffusionPipeline.save_lora_weights(directory, unet_lora_layers=get_peft_model_state_dict(unet))
    return directory


@cache
def build_all() -> dict[str, Path]:
    """Every tiny model once per test process, in a temporary folder removed at exit."""
    root = Path(tempfile.mkdtemp(prefix="semcom-tiny-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    models = {"blip": save_tiny_blip(root / "blip"), "sd": save_tiny_sd(root / "sd"),
              "sdxl": save_tiny_sdxl(root / "sdxl"), "vae": save_tiny_vae(root / "vae")}
    if importlib.util.find_spec("peft") is not None:
        models["lora"] = save_tiny_lora(models["sd"], root / "lora")
    return models
