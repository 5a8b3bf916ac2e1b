"""LLM backends through llama-index's LLM interface, and the one place their failures are caught.

Any OpenAI-compatible endpoint (vLLM, Ollama, the llama.cpp server, a gateway to a cloud model)
is reached through `OpenAILike`; a user may pass any other llama-index `LLM` instead. Whatever
goes wrong on the way (a timeout, a 5xx, a refused connection, a body that is not JSON, an empty
reply) becomes one `LLMError` with a kind, so the answerer can fall back to the extractive answer
with a warning instead of failing the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.llms import LLM

from govrag.answer.prompt import Prompt
from govrag.config import Settings


class LLMError(RuntimeError):
    """The model gave no usable answer; `kind` is timeout, http, connection, malformed or empty."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail

    @property
    def warning(self) -> str:
        why = {"timeout": "時間内に応答しませんでした", "http": "エラーを返しました", "connection": "に接続できませんでした",
               "malformed": "の応答を読めませんでした", "empty": "が空の回答を返しました"}.get(self.kind, "が失敗しました")
        return f"生成モデル{why}（{self.detail[:120]}）。抽出回答（条文等の引用）を示します。"


def make_llm(settings: Settings) -> LLM | None:
    """The configured endpoint as a llama-index LLM, or None when none is configured."""
    if settings.llm_base_url is None:
        return None
    from llama_index.llms.openai_like import OpenAILike

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "none"
    return OpenAILike(
        model=settings.llm_model, api_base=settings.llm_base_url, api_key=key, is_chat_model=True,
        timeout=settings.llm_timeout_s, max_retries=0, max_tokens=settings.llm_max_tokens, temperature=0.0,
        context_window=32_768,
    )


def model_name(llm: LLM) -> str:
    return str(getattr(llm, "model", None) or llm.metadata.model_name)


def messages(prompt: Prompt) -> list[ChatMessage]:
    return [ChatMessage(role=MessageRole.SYSTEM, content=prompt.system),
            ChatMessage(role=MessageRole.USER, content=prompt.user)]


def generate(llm: LLM, prompt: Prompt) -> str:
    """The whole reply, or `LLMError`."""
    try:
        text = llm.chat(messages(prompt)).message.content
    except Exception as exc:  # noqa: BLE001 - every client failure is one of the kinds below
        raise _error(exc) from exc
    return _nonempty(text)


def stream(llm: LLM, prompt: Prompt) -> Iterator[str]:
    """The reply piece by piece; `LLMError` at the point it fails (a stream cut short included)."""
    got = False
    try:
        for part in llm.stream_chat(messages(prompt)):
            if part.delta:
                got = got or bool(part.delta.strip())
                yield part.delta
    except Exception as exc:  # noqa: BLE001
        raise _error(exc) from exc
    if not got:
        raise LLMError("empty", "the model returned no text")


def complete(llm: LLM, text: str) -> str:
    """A one-message call (query rewriting), same error handling."""
    try:
        reply = llm.chat([ChatMessage(role=MessageRole.USER, content=text)]).message.content
    except Exception as exc:  # noqa: BLE001
        raise _error(exc) from exc
    return _nonempty(reply)


def _nonempty(text: str | None) -> str:
    if not text or not text.strip():
        raise LLMError("empty", "the model returned no text")
    return text


def _error(exc: Exception) -> LLMError:
    import openai

    if isinstance(exc, LLMError):
        return exc
    name = type(exc).__name__
    if isinstance(exc, openai.APITimeoutError) or "Timeout" in name:
        return LLMError("timeout", name)
    if isinstance(exc, openai.APIStatusError):
        return LLMError("http", f"HTTP {exc.status_code}")
    if isinstance(exc, openai.APIConnectionError):
        return LLMError("connection", name)
    if isinstance(exc, (ValueError, KeyError, TypeError, AttributeError, openai.APIResponseValidationError)):
        return LLMError("malformed", f"{name}: {str(exc)[:80]}")
    return LLMError("error", f"{name}: {str(exc)[:80]}")
