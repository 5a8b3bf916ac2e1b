#!/usr/bin/env bash
# The eval with the local model (docs/answers.md, "A real local model"). Outside CI: hours on 2 cores
# for the whole sets, so it asks a spread sample of each and says so in the reports.
#   GOVRAG_DATA_DIR   the store (default ./data: the main job, laws + minutes + gazette)
#   LLM_URL           the model's endpoint (default http://127.0.0.1:8080/v1, eval/llm/serve-local-model.sh)
#   SAMPLE            questions per set (default 12); MC_LIMIT the shuffled lawqa copies (default 20 = 5 questions × 4)
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOVRAG_LLM_BASE_URL="${LLM_URL:-http://127.0.0.1:8080/v1}"
export GOVRAG_LLM_EXTERNAL=false          # a model we run: nothing leaves the machine, no masking needed
export GOVRAG_LLM_SOURCES="${LLM_SOURCES:-3}" GOVRAG_LLM_SOURCE_CHARS="${LLM_SOURCE_CHARS:-300}"
export GOVRAG_LLM_MAX_TOKENS="${LLM_MAX_TOKENS:-200}" GOVRAG_LLM_TIMEOUT_S="${LLM_TIMEOUT_S:-300}"
export GOVRAG_AUDIT_ENABLED=false
SAMPLE="${SAMPLE:-12}"
OUT="${OUT:-eval/reports/local-llm}"
TITLE="govrag eval — Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M, llama.cpp, 2 CPU cores)"
# 1. generated answers (verified; policy refuse) and multiple choice on lawqa_jp, the paraphrased and unanswerable sets
govrag eval --suite eval/suite-llm.toml --kpi eval/kpi-llm.toml --llm endpoint --runs hybrid_hints \
    --datasets unanswerable,paraphrased,lawqa_dev --sample "$SAMPLE" --out "$OUT/answers" --title "$TITLE: answers" || true
# 2. order consistency: each lawqa_jp question four times, options shuffled (letters only)
govrag eval --suite eval/suite-llm.toml --kpi eval/kpi-llm.toml --llm endpoint --runs hybrid_hints \
    --datasets lawqa_dev_randomized --limit "${MC_LIMIT:-20}" --out "$OUT/order" --title "$TITLE: option order" || true
# 3. what query rewriting adds to retrieval (answers extractive: only the search changes)
GOVRAG_ANSWER_MODE=extractive govrag eval --suite eval/suite-llm.toml --kpi eval/kpi-llm.toml --llm endpoint \
    --runs hybrid_hints,hybrid_hints_rewrite --datasets paraphrased,lawqa_dev_search --sample "${REWRITE_SAMPLE:-20}" \
    --out "$OUT/rewrite" --title "$TITLE: query rewriting" || true
