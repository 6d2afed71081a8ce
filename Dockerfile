# syntax=docker/dockerfile:1
# One image for the gateway and the three services; the command picks the process.
#
#   docker build -t semcom:cpu .                                   # CPU (PyTorch CPU wheels)
#   docker build -t semcom:cuda \
#     --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu124 .   # CUDA receiver
#
# The CUDA wheels carry their own CUDA runtime, so the same slim base serves both;
# the host needs the NVIDIA driver and the NVIDIA Container Toolkit.
ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user; its cache (model weights: HF_HOME, ~/.cache/semcom) is the compose volume.
RUN useradd --create-home --uid 10001 semcom \
    && mkdir -p /home/semcom/.cache/semcom /home/semcom/.cache/huggingface \
    && chown -R semcom:semcom /home/semcom/.cache
ENV HF_HOME=/home/semcom/.cache/huggingface

# PyTorch first, from its own index: PyPI's default Linux wheel pulls in gigabytes of CUDA.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_SPEC="torch>=2.1"
RUN pip install --index-url "${TORCH_INDEX_URL}" "${TORCH_SPEC}"

WORKDIR /app
COPY . /app
# Editable, so the source tree (shipped weights, loadtest/, benchmarks/) is what runs.
ARG EXTRAS=""
RUN pip install -e ".${EXTRAS:+[$EXTRAS]}" && chown -R semcom:semcom /app

USER semcom
# gRPC: 50051 transmitter, 50052 channel, 50053 receiver; HTTP: 8000 gateway, 9100 metrics of a service.
EXPOSE 8000 50051 50052 50053 9100
CMD ["semcom-gateway", "--host", "0.0.0.0", "--port", "8000"]
