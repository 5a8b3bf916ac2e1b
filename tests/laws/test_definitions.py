"""Statutory definitions on real provisions: the three patterns, what is not a definition, the store and lookup."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govrag.cli import app
from govrag.index.docstore import DocStore, chunk_row
from govrag.models import Chunk
from govrag.models import Definition, term_key
from govrag.sources.laws.definitions import law_definitions
from tests.laws.test_chunk import sample_chunks
from govrag.sources.laws.glossary import (
    DEFINITIONS_STAGE,
    Definitions,
    build_definitions,
)

V = "2020-11-18"
KOJIN = "https://laws.e-gov.go.jp/law/415AC0000000057"
TETSUZUKI = "https://laws.e-gov.go.jp/law/405AC0000000088"


@pytest.fixture(scope="module")
def chunks(egov_sample: Path, shared_data: Path) -> dict[str, list[Chunk]]:
    return sample_chunks(egov_sample, shared_data)  # the sample laws, chunked as tests/laws/test_chunk.py does


@pytest.fixture(scope="module")
def found(chunks: dict[str, list[Chunk]]) -> dict[str, list[Definition]]:
    return {title: law_definitions(cs) for title, cs in chunks.items()}


def one(defs: list[Definition], term: str, kind: str) -> Definition:
    (d,) = [d for d in defs if d.term == term and d.kind == kind]
    return d


def chunk_at(chunks: list[Chunk], article: str, paragraph: int, item: str | None = None) -> Chunk:
    (c,) = [c for c in chunks if c.attrs["article_num"] == article and c.attrs["provision"] == "本則"
            and c.attrs["paragraph_from"] == paragraph and c.attrs["item_from"] == item]
    return c


def test_kojin_joho_article_2_defines_each_term_in_its_own_paragraph(
        found: dict[str, list[Definition]], chunks: dict[str, list[Chunk]]) -> None:
    defs = [d for d in found["個人情報の保護に関する法律"] if d.kind == "とは"]
    assert [(d.term, d.provision) for d in defs if d.provision.startswith("第二条")] == [
        ("個人情報", "第二条第一項"), ("個人識別符号", "第二条第二項"), ("要配慮個人情報", "第二条第三項"),
        ("個人情報データベース等", "第二条第四項"), ("個人情報取扱事業者", "第二条第五項"), ("個人データ", "第二条第六項"),
        ("保有個人データ", "第二条第七項"), ("本人", "第二条第八項"), ("匿名加工情報", "第二条第九項"),
        ("匿名加工情報取扱事業者", "第二条第十項"),
    ]
    d = one(defs, "個人情報取扱事業者", "とは")
    assert d.text == "この法律において「個人情報取扱事業者」とは、個人情報データベース等を事業の用に供している者をいう。"
    assert d.scope == "この法律"
    assert d.label == "個人情報の保護に関する法律 第二条第五項"
    assert (d.doc_id, d.version, d.law_id) == ("415AC0000000057", V, "415AC0000000057")
    # The chunk holding 第四項～第六項 carries it; the link opens 第五項 itself.
    assert d.chunk_id == chunk_at(chunks["個人情報の保護に関する法律"], "2", 4).id
    assert d.url == f"{KOJIN}#Mp-At_2-Pr_5"
    # 「この法律において個人情報について「本人」とは」: the term is the quoted word, not the clause before it.
    assert one(defs, "本人", "とは").scope == "この法律"


def test_a_definition_by_its_items_keeps_the_items(found: dict[str, list[Definition]]) -> None:
    d = one(found["個人情報の保護に関する法律"], "個人情報", "とは")
    assert d.text.startswith("この法律において「個人情報」とは、生存する個人に関する情報であって、次の各号のいずれかに"
                             "該当するものをいう。\n一\u3000当該情報に含まれる氏名、生年月日その他の記述等")
    assert d.text.endswith("\n二\u3000個人識別符号が含まれるもの")
    assert d.url == f"{KOJIN}#Mp-At_2-Pr_1"  # the chunk's own URL: it starts at 第一項


def test_gyosei_tetsuzuki_article_2_lists_its_terms_by_item(
        found: dict[str, list[Definition]], chunks: dict[str, list[Chunk]]) -> None:
    defs = found["行政手続法"]
    listed = [(d.term, d.provision) for d in defs if d.kind == "号"]
    assert listed == [
        ("法令", "第二条第一号"), ("処分", "第二条第二号"), ("申請", "第二条第三号"), ("不利益処分", "第二条第四号"),
        ("行政機関", "第二条第五号"), ("行政指導", "第二条第六号"), ("届出", "第二条第七号"), ("命令等", "第二条第八号"),
    ]
    shobun = one(defs, "処分", "号")
    assert shobun.text == "行政庁の処分その他公権力の行使に当たる行為をいう。"
    assert shobun.scope == "この法律"
    assert shobun.url == f"{TETSUZUKI}#Mp-At_2-Pr_1-It_2"
    # 第五号 starts the article's second chunk, far from the 項 that says the list defines terms.
    kikan = one(defs, "行政機関", "号")
    assert kikan.chunk_id == chunk_at(chunks["行政手続法"], "2", 1, "5").id
    assert kikan.text.startswith("次に掲げる機関をいう。\nイ\u3000法律の規定に基づき内閣に置かれる機関")
    assert kikan.url == f"{TETSUZUKI}#Mp-At_2-Pr_1-It_5"


def test_abbreviations_made_in_passing(found: dict[str, list[Definition]]) -> None:
    minpo = found["民法"]
    fuzai = one(minpo, "不在者", "以下")
    assert (fuzai.provision, fuzai.scope) == ("第二十五条第一項", "以下")
    assert fuzai.text.startswith("従来の住所又は居所を去った者（以下「不在者」という。）がその財産の管理人")
    # 「（以下この節において単に「管理人」という。）」: the scope is the section, 単に is no part of it.
    assert (one(minpo, "管理人", "以下").scope, one(minpo, "管理人", "以下").provision) == ("この節", "第二十五条第一項")
    # Inside a 号 of the list: 「…処分（以下「許認可等」という。）」 in 第三号.
    kyoninka = one(found["行政手続法"], "許認可等", "以下")
    assert (kyoninka.provision, kyoninka.scope) == ("第二条第三号", "以下")
    # 「（第三十六条第一項において「匿名加工情報データベース等」という。）」: a scope other than 以下.
    db = one(found["個人情報の保護に関する法律"], "匿名加工情報データベース等", "以下")
    assert (db.provision, db.scope) == ("第二条第十項", "第三十六条第一項")


def law_chunk(body: str, **attrs: object) -> Chunk:
    """One 本則 article as the store holds it, with a real provision's text."""
    return Chunk(
        id="00000000-0000-0000-0000-000000000001", source="law", doc_id="X", doc_title="テスト法", version=V,
        unit="Mp-At_3", seq=0, heading="テスト法 › 第三条", body=body, label="テスト法 第三条",
        url="https://laws.e-gov.go.jp/law/X#Mp-At_3", hash="h",
        attrs={"provision": "本則", "article_title": "第三条", "paragraph_from": 1, "paragraph_to": 1,
               "item_from": None, "anchor": "Mp-At_3", "part": 1, "parts": 1, "law_id": "X", **attrs},
    )


def test_several_terms_in_one_sentence() -> None:
    # 検疫法 第三条, as in force in 2020.
    defs = law_definitions([law_chunk("この法律において「検疫港」又は「検疫飛行場」とは、それぞれ政令で定める港又は飛行場をいう。")])
    assert [(d.term, d.kind, d.scope, d.provision) for d in defs] == [
        ("検疫港", "とは", "この法律", "第三条"), ("検疫飛行場", "とは", "この法律", "第三条")]
    assert defs[0].url == "https://laws.e-gov.go.jp/law/X#Mp-At_3"  # where the chunk starts: its own URL
    # 私立学校法 第二条第二項: two definitions in one sentence, each with its own meaning.
    defs = law_definitions([law_chunk(
        "２\u3000この法律において、「専修学校」とは学校教育法第百二十四条に規定する専修学校をいい、「各種学校」とは"
        "同法第百三十四条第一項に規定する各種学校をいう。", paragraph_to=2)])
    assert [(d.term, d.provision) for d in defs] == [("専修学校", "第三条第二項"), ("各種学校", "第三条第二項")]
    assert defs[0].text == "「専修学校」とは学校教育法第百二十四条に規定する専修学校をいい、"
    assert defs[1].scope == "この法律"


def test_what_mentions_toha_or_quotes_a_term_without_defining_it_is_not_taken() -> None:
    not_definitions = [
        # 民法 第五百四十五条第一項: 「…害することはできない」 holds とは, and defines nothing.
        ("当事者の一方がその解除権を行使したときは、各当事者は、その相手方を原状に復させる義務を負う。"
        "ただし、第三者の権利を害することはできない。"),
        # 日本国憲法 第百三条: 「…失ふことはない」.
        ("この憲法施行の際現に在職する国務大臣、衆議院議員及び裁判官並びにその他の公務員で、その地位に相応する地位が"
        "この憲法で認められてゐる者は、法律で特別の定をした場合を除いては、この憲法施行のため、当然にはその地位を失ふことはない。"),
        # 医薬品医療機器等法施行規則 第百九十一条第十項 (shortened): an abbreviation inside the words another provision
        # is read without (「…（以下この条において「受託者等」という。）」とあるのは「修理を依頼した者」と).
        ("この場合において、これらの規定中「設置管理医療機器の製造販売業者」とあるのは「特定保守管理医療機器の修理業者」と、"
        "同条第四項中「これらの規定により当該設置管理基準書の交付を受けるべき者（以下この条において「受託者等」という。）」"
        "とあるのは「修理を依頼した者」と読み替えるものとする。"),
    ]
    assert [law_definitions([law_chunk(text)]) for text in not_definitions] == [[], [], []]


def test_suppl_provisions_are_left_out(chunks: dict[str, list[Chunk]]) -> None:
    suppl = [c for c in chunks["個人情報の保護に関する法律"] if c.attrs["provision"] == "附則"]
    assert any("という。）" in c.body for c in suppl)  # the 附則 do make abbreviations …
    assert law_definitions(suppl) == []  # … and none is taken


def test_term_keys_ignore_width_and_spaces() -> None:
    assert term_key("個人情報　取扱 事業者") == term_key("個人情報取扱事業者") == "個人情報取扱事業者"
    assert term_key("ＩＣカード") == "ICカード"


# -- the store and the lookup ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory, egov_sample: Path, shared_data: Path) -> Path:
    """The five sample laws ingested (no index: definitions need only the document store)."""
    data = tmp_path_factory.mktemp("definitions")
    (data / "job.toml").write_text(
        f'[[laws]]\npath = "{egov_sample}"\nversion = "{V}"\nlaw_ids = "{shared_data / "egov"}"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", "run", str(data / "job.toml"), "--data-dir", str(data), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return data


def rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM definitions").fetchone()[0])


def test_the_stage_writes_once_and_a_rerun_adds_nothing(store_dir: Path, tmp_path: Path) -> None:
    data = shutil.copytree(store_dir, tmp_path / "data")
    with DocStore(data / "chunks.sqlite") as store:
        first = build_definitions(store)
        again = build_definitions(store)
        definitions = Definitions.from_store(store)
        marked = store.indexed(DEFINITIONS_STAGE)
    assert (first.documents, first.skipped_documents) == (5, 0)
    assert first.points > 100  # 個人情報保護法 alone defines 28 terms, 民法 48
    assert (again.documents, again.points, again.skipped_documents) == (0, 0, 5)
    assert rows(data / "chunks.sqlite") == first.points == definitions.count()
    assert len(marked) == 5
    assert "個人情報取扱事業者" in definitions.terms()


def test_a_reingested_law_has_its_rows_replaced(store_dir: Path, tmp_path: Path) -> None:
    data = shutil.copytree(store_dir, tmp_path / "data")
    db = data / "chunks.sqlite"
    with DocStore(db) as store:
        total = build_definitions(store).points
        (doc,) = [d for d in store.documents("law") if d.title == "行政手続法"]
        law_rows = [chunk_row(c) for c in store.chunks_of(doc.source, doc.doc_id, doc.version)]
        store.write([(dataclasses.replace(doc, file_hash="changed"), law_rows)])  # what an ingest of a new file does
        assert Definitions.from_store(store).lookup("処分") == []  # derived from the old text: gone with it
        again = build_definitions(store)
        assert [d.label for d in Definitions.from_store(store).lookup("処分")] == ["行政手続法 第二条第二号"]
    assert (again.documents, again.skipped_documents) == (1, 4)
    assert rows(db) == total


def test_a_new_version_of_a_law_replaces_the_old_versions_definitions(store_dir: Path, tmp_path: Path) -> None:
    """Versions stay in the store; a law's definitions are its latest version's, never both."""
    data = shutil.copytree(store_dir, tmp_path / "data")
    with DocStore(data / "chunks.sqlite") as store:
        build_definitions(store)
        (doc,) = [d for d in store.documents("law") if d.title == "行政手続法"]
        newer = dataclasses.replace(doc, version="2025-06-01", file_hash="newer")
        law_rows = [chunk_row(dataclasses.replace(c, version=newer.version))
                    for c in store.chunks_of(doc.source, doc.doc_id, doc.version)]
        store.write([(newer, law_rows)])
        again = build_definitions(store)
        found = Definitions.from_store(store).lookup("処分")
    assert (again.documents, again.skipped_documents) == (1, 4)
    assert [(d.label, d.version) for d in found] == [("行政手続法 第二条第二号", "2025-06-01")]


def test_lookup_and_terms_in_a_question(store_dir: Path, tmp_path: Path) -> None:
    data = shutil.copytree(store_dir, tmp_path / "data")
    with DocStore(data / "chunks.sqlite") as store:
        build_definitions(store)
        definitions = Definitions.from_store(store)
        exact = definitions.lookup("個人情報取扱事業者")
        spaced = definitions.lookup(" 個人情報　取扱事業者 ")
        question = "個人情報取扱事業者は保有個人データの開示にどう応じ、物の引渡しはどうなるか"
        used = definitions.in_text(question)
        nothing = definitions.lookup("存在しない用語")
        mono = definitions.lookup("物")
    assert [(d.label, d.kind) for d in exact] == [("個人情報の保護に関する法律 第二条第五項", "とは")]
    assert spaced == exact
    assert nothing == []
    # 「個人データ」 is defined too, but inside 「保有個人データ」 the longer term wins; 「物」 (民法 第八十五条)
    # is one character and left out.
    assert [(question[s:e], [d.label for d in ds]) for s, e, ds in used] == [
        ("個人情報取扱事業者", ["個人情報の保護に関する法律 第二条第五項"]),
        ("保有個人データ", ["個人情報の保護に関する法律 第二条第七項"]),
    ]
    assert [(d.term, d.label) for d in mono] == [("物", "民法 第八十五条")]  # looked up, just not found in text


def test_offsets_in_a_question_written_with_other_widths_and_spaces(store_dir: Path, tmp_path: Path) -> None:
    data = shutil.copytree(store_dir, tmp_path / "data")
    with DocStore(data / "chunks.sqlite") as store:
        build_definitions(store)
        question = "行政 指導の指針と、不利益　処分とは"
        used = Definitions.from_store(store).in_text(question)
    assert [(question[s:e], ds[0].term) for s, e, ds in used] == [("行政 指導", "行政指導"), ("不利益　処分", "不利益処分")]


def test_a_store_from_before_definitions_gets_them_from_the_next_build(store_dir: Path, tmp_path: Path) -> None:
    data = shutil.copytree(store_dir, tmp_path / "data")
    with sqlite3.connect(data / "chunks.sqlite") as conn:
        conn.execute("DROP TABLE definitions")
    with DocStore(data / "chunks.sqlite") as store:
        before = Definitions.from_store(store)
        assert (before.count(), before.lookup("処分"), before.in_text("処分の基準")) == (0, [], [])
        report = build_definitions(store)
        assert [d.label for d in Definitions.from_store(store).lookup("処分")] == ["行政手続法 第二条第二号"]
    assert rows(data / "chunks.sqlite") == report.points > 0
