"""Self-tests of the scripted OpenAI server, through the real llama-index `OpenAILike` client.

They also pin down which exception each failure surfaces as in the openai client
(timeout, 5xx, malformed JSON, a cut stream), which govrag's error handling relies on.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator

import httpx
import openai
import openai.resources.chat.completions
import openai.resources.completions
import pytest
from llama_index.core.llms import ChatMessage
from llama_index.llms.openai_like import OpenAILike

from tests.llm.fake_openai import Reply, ScriptedOpenAI, scripted_openai


@pytest.fixture
def server() -> Iterator[ScriptedOpenAI]:
    with scripted_openai() as s:
        yield s


def _llm(server: ScriptedOpenAI, *, chat: bool = True, timeout: float = 2, retries: int = 0) -> OpenAILike:
    return OpenAILike(
        model="scripted",
        api_base=server.base_url,
        api_key="k",
        is_chat_model=chat,
        timeout=timeout,
        max_retries=retries,
    )


def test_complete_returns_scripted_content_and_records_prompt(server: ScriptedOpenAI) -> None:
    server.script(Reply("民法709条は不法行為を定めています。"))
    out = _llm(server).complete("民法709条とは？")
    assert out.text == "民法709条は不法行為を定めています。"
    assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/v1")
    [body] = server.requests
    assert body["model"] == "scripted"
    assert body["stream"] is False
    assert body["messages"][-1] == {"role": "user", "content": "民法709条とは？"}
    assert server.calls[0].path == "/v1/chat/completions"
    assert server.api_keys == ["k"]
    assert server.calls[0].authorization == "Bearer k"


def test_chat_sends_all_messages_in_order(server: ScriptedOpenAI) -> None:
    server.script(Reply("はい。"))
    msgs = [ChatMessage(role="system", content="簡潔に。"), ChatMessage(role="user", content="質問")]
    out = _llm(server).chat(msgs)
    assert out.message.content == "はい。"
    assert [(m["role"], m["content"]) for m in server.requests[0]["messages"]] == [
        ("system", "簡潔に。"),
        ("user", "質問"),
    ]


def test_replies_are_consumed_in_order_and_can_be_computed(server: ScriptedOpenAI) -> None:
    server.script(Reply("一"), lambda req: Reply("echo:" + req["messages"][-1]["content"]))
    llm = _llm(server)
    assert llm.complete("a").text == "一"
    assert llm.complete("b").text == "echo:b"
    assert not server.replies


def test_non_chat_model_uses_completions_endpoint(server: ScriptedOpenAI) -> None:
    server.script(Reply("text answer"), Reply("abc", stream_chunks=["a", "b", "c"]))
    llm = _llm(server, chat=False)
    assert llm.complete("p").text == "text answer"
    assert [r.delta for r in llm.stream_complete("p") if r.delta] == ["a", "b", "c"]
    assert [c.path for c in server.calls] == ["/v1/completions", "/v1/completions"]
    assert server.requests[0]["prompt"] == "p"


def test_stream_complete_yields_chunks_in_order(server: ScriptedOpenAI) -> None:
    server.script(Reply(stream_chunks=["民法", "第七百九条", "。"], chunk_delay_s=0.01))
    deltas = [r.delta for r in _llm(server).stream_complete("q")]
    assert [d for d in deltas if d] == ["民法", "第七百九条", "。"]
    assert server.requests[0]["stream"] is True


def test_stream_without_chunks_splits_content(server: ScriptedOpenAI) -> None:
    server.script(Reply("これは分割される答えです"))
    responses = list(_llm(server).stream_complete("q"))
    assert len([r for r in responses if r.delta]) > 1
    assert responses[-1].text == "これは分割される答えです"


def test_empty_content_returns_empty_string(server: ScriptedOpenAI) -> None:
    server.script(Reply(""), Reply(""))
    llm = _llm(server)
    assert llm.complete("q").text == ""
    assert "".join(r.delta or "" for r in llm.stream_complete("q")) == ""


def test_response_shape_is_openai_exact(server: ScriptedOpenAI) -> None:
    server.script(Reply("x", finish_reason="length"))
    req = urllib.request.Request(
        server.base_url + "/chat/completions",
        data=json.dumps({"model": "m1", "messages": [{"role": "user", "content": "hi"}]}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=2) as resp:
        body = json.loads(resp.read())
    assert set(body) == {"id", "object", "created", "model", "choices", "usage"}
    assert body["object"] == "chat.completion" and body["model"] == "m1"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "x"}
    assert body["choices"][0]["finish_reason"] == "length"
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}


def test_models_endpoint_takes_no_reply(server: ScriptedOpenAI) -> None:
    server.script(Reply("kept"))
    client = openai.OpenAI(base_url=server.base_url, api_key="k", timeout=2, max_retries=0)
    assert [m.id for m in client.models.list()] == ["scripted"]
    assert len(server.replies) == 1 and server.requests == []


def test_delay_beyond_client_timeout_raises_api_timeout_error(server: ScriptedOpenAI) -> None:
    server.script(Reply("late", delay_s=5))
    t0 = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        _llm(server, timeout=0.2).complete("q")
    assert time.monotonic() - t0 < 1.5
    # the pending delayed reply must not hold up the server's stop (fixture teardown)


def test_http_500_raises_internal_server_error(server: ScriptedOpenAI) -> None:
    server.script(Reply("overloaded", status=500))
    with pytest.raises(openai.InternalServerError, match="overloaded"):
        _llm(server).complete("q")


def test_empty_script_gives_500_no_scripted_reply(server: ScriptedOpenAI) -> None:
    with pytest.raises(openai.InternalServerError, match="no scripted reply"):
        _llm(server).complete("q")


def test_configurable_default_reply() -> None:
    with scripted_openai(default=Reply("always")) as s:
        llm = _llm(s)
        assert [llm.complete("q").text for _ in range(2)] == ["always", "always"]


def test_429_with_retry_after_is_retried_and_takes_next_reply(server: ScriptedOpenAI) -> None:
    server.script(Reply(status=429, headers={"retry-after-ms": "10"}), Reply("second try"))
    assert _llm(server, retries=1).complete("q").text == "second try"
    assert len(server.requests) == 2


def test_429_without_retries_raises_rate_limit_error(server: ScriptedOpenAI) -> None:
    server.script(Reply(status=429))
    with pytest.raises(openai.RateLimitError):
        _llm(server).complete("q")


def test_malformed_json_raises_json_decode_error_not_api_error(server: ScriptedOpenAI) -> None:
    # Observed: the openai client does not wrap it; callers must catch ValueError too.
    server.script(Reply(body="{not json"))
    with pytest.raises(json.JSONDecodeError):
        _llm(server).complete("q")


def test_malformed_sse_event_raises_json_decode_error(server: ScriptedOpenAI) -> None:
    server.script(Reply(body='data: {"unterminated\n\n'))
    with pytest.raises(json.JSONDecodeError):
        list(_llm(server).stream_complete("q"))


def test_error_event_inside_stream_raises_api_error(server: ScriptedOpenAI) -> None:
    server.script(Reply(body='data: {"error": {"message": "boom"}}\n\n'))
    with pytest.raises(openai.APIError, match="boom"):
        list(_llm(server).stream_complete("q"))


def test_cut_stream_raises_remote_protocol_error_after_partial_chunks(server: ScriptedOpenAI) -> None:
    # Events: role chunk, "一", "二", "三", final. Cut after the role chunk and "一".
    server.script(Reply(stream_chunks=["一", "二", "三"], cut_stream_after=2))
    got: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError):
        for r in _llm(server).stream_complete("q"):
            got.append(r.delta or "")
    assert "".join(got) == "一"


def test_stream_missing_done_still_raises_when_all_events_sent(server: ScriptedOpenAI) -> None:
    server.script(Reply(stream_chunks=["a"], cut_stream_after=3))  # role, "a", final; no [DONE]
    with pytest.raises(httpx.RemoteProtocolError):
        list(_llm(server).stream_complete("q"))


def test_stop_is_fast_with_pending_delayed_reply() -> None:
    s = ScriptedOpenAI([Reply("late", delay_s=30)]).start()
    with pytest.raises(openai.APITimeoutError):
        _llm(s, timeout=0.1).complete("q")
    t0 = time.monotonic()
    s.stop()
    assert time.monotonic() - t0 < 0.5
