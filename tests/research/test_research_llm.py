"""The research with a model behind it, over a scripted OpenAI-compatible server on loopback: generated
sub-queries, outline and sections, each section verified sentence by sentence, and every failure a
report all the same."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govrag.config import Settings
from govrag.research.pipeline import ResearchOptions
from govrag.research.records import Report
from govrag.safeguards.risk import risk_cases
from govrag.service import Caller, Service
from tests.llm.fake_openai import Reply, ScriptedOpenAI, scripted_openai

FENCE = re.compile(r"<<<資料 \[(\d+)\] ここから>>>\n出典: [^\n]*\nURL: [^\n]*\n[^\n]*\n(.*?)\n<<<資料 \[\1\] ここまで>>>", re.S)
QUESTION = "個人情報の第三者提供の要件と、国会での議論は"


def first_sentence(body: str) -> str:
    return body.split("。")[0] + "。" if "。" in body else body


def responder(*, forge_in: str = "", unsupported_in: str = "") -> Any:
    """Replies by what the prompt asks: sub-queries, an outline citing the listed sources, sections and the
    conclusion quoting their first source verbatim — or, in the section titled `forge_in`, a quote no
    source has, and in `unsupported_in` a sentence no source carries."""
    def reply(body: dict[str, Any]) -> Reply:
        text = body["messages"][-1]["content"]
        if "検索1:" in text:
            return Reply("検索1: 個人データの第三者提供の制限\n検索2: 本人の同意\n検索3: 個人情報保護法の改正の国会審議")
        if "見出し（節）" in text:
            listed = [int(n) for n in re.findall(r"^\[(\d+)\]", text, re.M)]
            return Reply(f"## 第三者提供の制限 [{listed[0]}][{listed[1]}]\n## 国会での議論 [{listed[2]}]\n")
        sources = FENCE.findall(text)
        n, body_text = sources[0]
        faithful = f"資料には「{first_sentence(body_text)}」とあります[{n}]。"
        if forge_in and f"節「{forge_in}」" in text:
            return Reply(f"法律は「個人データは自由に売買できる」と定めています[{n}]。")
        if unsupported_in and f"節「{unsupported_in}」" in text:
            return Reply(faithful + f"この制度は二〇三〇年に宇宙開発委員会へ移管される予定です[{n}]。")
        return Reply(faithful)
    return reply


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedOpenAI]:
    with scripted_openai([]) as s:
        yield s


@pytest.fixture(scope="module")
def service(all_sources_index: Path, server: ScriptedOpenAI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    where = tmp_path_factory.mktemp("research-llm")
    settings = Settings(data_dir=all_sources_index, llm_base_url=server.base_url, llm_timeout_s=2.0,
                        research_history_file=where / "research.sqlite", audit_dir=where / "audit",
                        api_keys_file=where / "none.json")
    svc = Service(settings, check_pages=False)
    yield svc
    svc.close()


@pytest.fixture(autouse=True)
def fresh(server: ScriptedOpenAI) -> None:
    server.replies.clear()
    server.requests.clear()
    server.calls.clear()


def research(service: Service, level: int = 1) -> tuple[list[tuple[str, Any]], Report]:
    events = list(service.researcher.events(QUESTION, ResearchOptions(), caller=Caller("tester", "/research", level)))
    assert events[-1][0] == "report"
    return events, events[-1][1]


def test_a_model_writes_the_plan_outline_and_sections_each_verified(service: Service, server: ScriptedOpenAI) -> None:
    server.default = responder(unsupported_in="国会での議論")
    events, report = research(service)
    assert report.mode == "generated" and report.model
    assert [q.why for q in report.subqueries].count("生成モデルによる言い換え") >= 1
    assert "個人データの第三者提供の制限" in [q.text for q in report.subqueries]
    assert [s.title for s in report.sections][:2] == ["第三者提供の制限", "国会での議論"]
    first, second = report.sections[0], report.sections[1]
    assert first.generated and first.sentences and all(c.supported for c in first.sentences)
    # The sentence no source carries is kept, marked: the researcher sees where to look.
    assert second.generated
    assert [c.supported for c in second.sentences] == [True, False]
    assert "宇宙開発委員会" in second.sentences[1].text
    assert report.unsupported == 1 and "unsupported_sentences" in report.flags
    # The model's words streamed as they came, section by section.
    deltas = [v for k, v in events if k == "delta"]
    assert {d["section"] for d in deltas} >= {0, 1}
    assert "".join(d["text"] for d in deltas if d["section"] == 0).strip() == first.text


def test_a_section_with_a_forged_quote_is_replaced_by_its_sources_quotes(service: Service, server: ScriptedOpenAI) -> None:
    server.default = responder(forge_in="第三者提供の制限")
    _, report = research(service)
    section = report.sections[0]
    assert not section.generated and not section.sentences
    assert "自由に売買" not in section.text
    assert any("引用「個人データは自由に売買できる」は引用元の資料にありません" in p for p in section.problems)
    assert section.text.startswith(f"[{section.sources[0]}] ")


def test_a_failing_model_still_gives_a_whole_report(service: Service, server: ScriptedOpenAI) -> None:
    server.default = Reply(status=500, content="overloaded")
    events, report = research(service)
    assert report.mode == "extractive"
    assert report.sections and all(not s.generated for s in report.sections)
    assert "llm_error" in report.flags
    assert any("サブクエリの生成に失敗しました" in w for w in report.warnings)
    assert [v["step"] for k, v in events if k == "step" and v["status"] == "done"][-1] == "save"


def test_a_confidential_question_never_reaches_the_external_model(service: Service, server: ScriptedOpenAI) -> None:
    server.default = responder()
    _, report = research(service, level=2)
    assert server.requests == []
    assert report.mode == "extractive" and "routing_blocked" in report.flags
    assert report.sections and report.conclusion


def test_the_audit_record_keeps_every_prompt_and_reply(service: Service, server: ScriptedOpenAI) -> None:
    server.default = responder()
    _, report = research(service)
    record = next(r for r in service.audit.records(kinds={"research"}) if r["report_id"] == report.id)
    assert record["prompt"].count("<<<資料") >= len(report.sections)
    assert "検索1:" in record["prompt"]
    assert all(s.text.split("[")[0][:10] in record["raw"] for s in report.sections if s.generated)
    checked = [c for s in report.sections for c in s.sentences]
    assert checked and [c["text"] for c in record["verification"]["sentences"]] == [c.text for c in checked]


def test_the_risk_report_lists_a_researchs_unsupported_sentence(service: Service, server: ScriptedOpenAI) -> None:
    server.default = responder(unsupported_in="国会での議論")
    _, report = research(service)
    record = next(r for r in service.audit.records(kinds={"research"}) if r["report_id"] == report.id)
    case = risk_cases([record])[0]
    assert "unsupported_sentences" in case.flags
    assert any("宇宙開発委員会" in line for line in case.detail)


def test_a_section_with_no_supported_sentence_is_replaced_by_its_quotes(service: Service, server: ScriptedOpenAI) -> None:
    base = responder()

    def echo_in_first_section(body: dict[str, Any]) -> Reply:
        text = body["messages"][-1]["content"]
        if "節「第三者提供の制限」" in text:  # a small model echoing its instructions and the example
            return Reply("期限は受理の日から三十日です[1]。申請は書面でしなければならない[1]。")
        return base(body)

    server.default = echo_in_first_section
    _, report = research(service)
    section = report.sections[0]
    assert not section.generated and "三十日" not in section.text
    assert "どの文も出典で裏付けられません" in section.problems
    assert report.sections[1].generated


def test_personal_data_is_masked_for_an_external_model_and_restored_in_the_report(
        service: Service, server: ScriptedOpenAI) -> None:
    server.default = responder()
    question = "090-1234-5678 の山田太郎さんの個人データを第三者提供する要件は"
    events = list(service.researcher.events(question, caller=Caller("tester", "/research")))
    report = events[-1][1]
    sent = json.dumps(server.requests, ensure_ascii=False)
    assert server.requests and "090-1234-5678" not in sent
    assert report.question == question
    record = next(r for r in service.audit.records(kinds={"research"}) if r["report_id"] == report.id)
    assert any(span["kind"] == "phone" for span in record["pii"])
    assert record["routing"]["external"] is True


def test_a_client_gone_mid_stream_still_leaves_an_audit_record(service: Service, server: ScriptedOpenAI) -> None:
    server.default = responder()
    events = service.researcher.events("個人情報の利用目的の特定", caller=Caller("leaver", "/research"))
    for kind, _ in events:
        if kind == "outline":
            break
    events.close()
    record = [r for r in service.audit.records(kinds={"research"}) if r["key_id"] == "leaver"][-1]
    assert record["flags"] == ["client_disconnected"] and record["report_id"] is None
    assert "検索1:" in record["prompt"], "the sub-query prompt had already gone to the model"
