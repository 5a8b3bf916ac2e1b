#!/usr/bin/env bash
# Serve the local GGUF model (built by eval/llm/build-local-model.sh) over the
# OpenAI API with llama-cpp-python's server, for govrag's OpenAILike client:
#   api_base=http://127.0.0.1:${PORT}/v1  (any api_key, any model name)
#
# Env:
#   GOVRAG_LOCAL_GGUF  the .gguf (default ${GOVRAG_MODEL_DIR:-~/.cache/govrag/models}/qwen2.5-coder-1.5b-instruct.gguf)
#   HOST, PORT         default 127.0.0.1:8080
#   N_CTX              context window (default 8192)
#   N_THREADS          CPU threads (default: nproc; note it takes every core)
#   PYTHON             interpreter with llama_cpp installed (default python3)
# Extra arguments are passed to llama_cpp.server (e.g. --n_batch 256).
# The chat template comes from the GGUF metadata (no --chat_format given).
set -euo pipefail

MODEL_DIR="${GOVRAG_MODEL_DIR:-$HOME/.cache/govrag/models}"
MODEL="${GOVRAG_LOCAL_GGUF:-$MODEL_DIR/qwen2.5-coder-1.5b-instruct.gguf}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8080}"
N_CTX="${N_CTX:-8192}"
N_THREADS="${N_THREADS:-$(nproc)}"
PYTHON="${PYTHON:-python3}"

if [ ! -s "$MODEL" ]; then
    echo "model not found: $MODEL (run eval/llm/build-local-model.sh)" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import llama_cpp.server' 2>/dev/null; then
    echo "llama_cpp.server not importable by $PYTHON (run eval/llm/build-local-model.sh)" >&2
    exit 1
fi

exec "$PYTHON" -m llama_cpp.server \
    --model "$MODEL" \
    --model_alias local \
    --host "$HOST" --port "$PORT" \
    --n_ctx "$N_CTX" \
    --n_threads "$N_THREADS" --n_threads_batch "$N_THREADS" \
    "$@"
