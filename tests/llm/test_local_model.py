"""Integration test against the real local model (Qwen2.5-Coder-1.5B-Instruct GGUF).

Runs only where the model was built (eval/llm/build-local-model.sh) and
llama-cpp-python is installed, i.e. on a developer's machine, not in CI:
  - the model: $GOVRAG_LOCAL_GGUF, else
    ${GOVRAG_MODEL_DIR:-~/.cache/govrag/models}/qwen2.5-coder-1.5b-instruct.gguf
  - `llama_cpp` importable by this interpreter
Set GOVRAG_SKIP_LOCAL_LLM=1 to skip it anyway (it keeps both cores busy for a while).

`local_model_server()` starts `python -m llama_cpp.server` on a free loopback
port and yields its OpenAI base URL; reuse it for tests through govrag's own
answer path:

    pytestmark = local_model_mark
    with local_model_server() as base_url:
        llm = OpenAILike(model="local", api_base=base_url, api_key="x", is_chat_model=True, ...)
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct.gguf"
_JAPANESE = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u4e00-\u9fff]")


def local_gguf_path() -> Path:
    """Where the local model is expected (it may not exist)."""
    env = os.environ.get("GOVRAG_LOCAL_GGUF")
    if env:
        return Path(env).expanduser()
    model_dir = os.environ.get("GOVRAG_MODEL_DIR") or str(Path.home() / ".cache" / "govrag" / "models")
    return Path(model_dir).expanduser() / MODEL_FILENAME


def local_model_skip_reason() -> str | None:
    """Why the local-model tests can't run here, or None when they can."""
    if os.environ.get("GOVRAG_SKIP_LOCAL_LLM") == "1":
        return "GOVRAG_SKIP_LOCAL_LLM=1"
    path = local_gguf_path()
    if not path.is_file():
        return (
            f"local model not built: {path} missing "
            "(run eval/llm/build-local-model.sh, or set GOVRAG_LOCAL_GGUF)"
        )
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama_cpp not importable (pip install 'llama-cpp-python[server]'; see eval/llm/build-local-model.sh)"
    return None


local_model_mark = pytest.mark.skipif(local_model_skip_reason() is not None, reason=local_model_skip_reason() or "")
pytestmark = local_model_mark


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def local_model_server(
    gguf: Path | None = None,
    *,
    n_ctx: int = 4096,
    n_threads: int | None = None,
    startup_timeout_s: float = 180.0,
    extra_args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Start llama-cpp-python's OpenAI server on a free loopback port; yield ``http://127.0.0.1:PORT/v1``.

    Waits until GET /v1/models answers (the model is loaded by then). The server
    is terminated (then killed) on exit. Its output goes to a temp log that is
    quoted in the error if it dies or does not come up in time.
    """
    model = gguf or local_gguf_path()
    port = _free_port()
    threads = n_threads or os.cpu_count() or 2
    cmd = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model),
        "--model_alias", "local",
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--n_threads", str(threads), "--n_threads_batch", str(threads),
        *extra_args,
    ]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}/v1"
    with tempfile.TemporaryFile(mode="w+b") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

        def tail() -> str:
            log.seek(0)
            return log.read().decode("utf-8", "replace")[-3000:]

        try:
            deadline = time.monotonic() + startup_timeout_s
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}:\n{tail()}")
                try:
                    if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server not up after {startup_timeout_s:.0f}s:\n{tail()}")
                time.sleep(0.25)
            yield base_url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def test_local_model_answers_in_japanese() -> None:
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    with local_model_server(n_ctx=4096) as base_url:
        llm = OpenAILike(
            model="local",
            api_base=base_url,
            api_key="unused",
            is_chat_model=True,
            context_window=4096,
            max_tokens=24,
            temperature=0.0,
            timeout=120,
            max_retries=0,
        )
        reply = llm.chat(
            [
                ChatMessage(role="system", content="日本語で短く答えてください。"),
                ChatMessage(role="user", content="日本の首都はどこですか。"),
            ]
        )
    text = (reply.message.content or "").strip()
    assert text, "empty reply from the local model"
    assert _JAPANESE.search(text), f"reply is not Japanese: {text!r}"


def test_a_generated_answer_through_govrag_is_verified_or_replaced(sample_index: Path, tmp_path: Path) -> None:
    """The whole answer path on the real model: search the sample laws, prompt, generate, verify. A 1.5B
    model may answer well or not; either way the user gets a verified answer or the quotes, never its
    unverified words, and the verification report says which."""
    from govrag.config import Settings
    from govrag.retrieval.search import SearchOptions
    from govrag.service import Service

    with local_model_server(n_ctx=4096) as base_url:
        settings = Settings(data_dir=sample_index, audit_dir=tmp_path, llm_base_url=base_url, llm_external=False,
                            llm_sources=3, llm_source_chars=300, llm_max_tokens=120, llm_timeout_s=300)
        service = Service(settings, check_pages=False)
        try:
            answer = service.ask("借地権の存続期間は何年か", SearchOptions(k=5))
        finally:
            service.close()
    assert answer.verification is not None, answer.warnings  # the model answered and was checked
    assert answer.model == "local"
    if answer.mode == "generated":
        assert answer.verification.passed
    else:  # refused by the verifier: the extractive answer quotes 第三条
        assert "verification_failed" in answer.flags and "借地権の存続期間は、三十年とする" in answer.text
