"""Confidentiality routing: what may reach an external model, and the reason a user reads."""

from __future__ import annotations

import pytest

from govrag.safeguards.routing import level_of, route

LEVELS = {"laws": 1, "internal-memos": 2, "personnel": 3}


@pytest.mark.parametrize(("source", "attrs", "level"), [
    ("laws", {}, 1),
    ("internal-memos", {}, 2),
    ("gazette", {}, 1),  # unlisted: public
    ("laws", {"confidentiality": 3}, 3),  # the chunk's own mark wins, either way
    ("personnel", {"confidentiality": 1}, 1),
    ("laws", {"confidentiality": "2"}, 2),
    ("laws", {"confidentiality": "機密性２"}, 2),
    ("laws", {"confidentiality": None}, 1),
    ("laws", {"confidentiality": "秘"}, 3),  # unreadable: treated as the highest
    ("laws", {"confidentiality": 7}, 3),
    ("laws", {"confidentiality": True}, 3),
])
def test_level_of_a_chunk(source: str, attrs: dict[str, object], level: int) -> None:
    assert level_of(source, attrs, LEVELS) == level


def test_an_internal_model_may_see_everything() -> None:
    routing = route({"a": 1, "b": 3}, question_level=3, external=False, max_external=1)
    assert routing.allowed and routing.blocked == ()


def test_public_sources_may_go_to_an_external_model() -> None:
    routing = route({"a": 1, "b": 1}, question_level=1, external=True, max_external=1)
    assert routing.allowed and routing.blocked == ()
    assert routing.reason == "資料はすべて機密性1以下のため、外部のモデルに送れます。"


def test_sources_above_the_limit_are_withheld_from_the_external_call() -> None:
    routing = route({"a": 1, "b": 2, "c": 2, "d": 3}, question_level=1, external=True, max_external=1)
    assert not routing.allowed and routing.blocked == ("b", "c", "d")
    assert routing.reason == ("機密性2の資料（2件）、機密性3の資料（1件）は外部のモデルに送れないため、"
                              "それを除いた資料だけで回答しました。")
    every = route({"b": 2, "d": 3}, question_level=1, external=True, max_external=1)
    assert every.blocked == ("b", "d") and every.reason.endswith("抽出回答にしました。")
    assert route({"b": 2}, question_level=1, external=True, max_external=2).allowed


def test_a_question_declared_above_the_limit_sends_nothing() -> None:
    routing = route({"a": 1}, question_level=2, external=True, max_external=1)
    assert not routing.allowed and routing.blocked == ("a",)
    assert routing.reason == "この質問は機密性2と指定されているため、外部のモデルには送らず、抽出回答にしました。"
    assert routing.record() == {"allowed": False, "blocked": ("a",), "reason": routing.reason}
