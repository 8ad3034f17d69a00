# Kenning API image (used by docker-compose.yml with Neo4j).
FROM python:3.11-slim
WORKDIR /app
# torch must be installed before sentence-transformers, or pip resolves a CUDA
# build. Pass e.g. --build-arg PIP_TORCH_ARGS="--index-url <your CPU wheel index>"
# to pick a CPU-only build.
ARG PIP_TORCH_ARGS=""
RUN pip install --no-cache-dir ${PIP_TORCH_ARGS} torch==2.13.0
COPY pyproject.toml README.md CHANGELOG.md ./
COPY src ./src
COPY cypher ./cypher
RUN pip install --no-cache-dir .
ENV HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 KENNING_HOST=0.0.0.0 KENNING_PORT=8420 \
    KENNING_MODEL_CACHE_DIR=/opt/kenning/cache
# Export the ONNX query encoder into the image, so a container starts without
# the ~10 s export (kenning/embed/onnx_query.py).
RUN python -c "from kenning.api.runtime import load_embedder; \
from kenning.config import load_settings; load_embedder(load_settings())"
EXPOSE 8420
CMD ["kenning", "serve"]
