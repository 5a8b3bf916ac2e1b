"""Personal data masking on Japanese text as it reaches the service: questions, gazette notices, statutes."""

from __future__ import annotations

from pathlib import Path

import pytest

from govrag.safeguards.pii import Masked, PiiSpan, StreamUnmasker, mask, my_number_valid, unmask


def kinds(masked: Masked) -> list[tuple[str, str, str]]:
    return [(s.kind, s.original, s.placeholder) for s in masked.spans]


def test_a_question_with_a_name_and_a_phone_number() -> None:
    question = "山田太郎さんから090-1234-5678に電話があり、生活保護の申請について聞かれました。どう答えればよいですか。"
    masked = mask(question)
    assert masked.text == "〔氏名1〕さんから〔電話番号1〕に電話があり、生活保護の申請について聞かれました。どう答えればよいですか。"
    assert kinds(masked) == [("name", "山田太郎", "〔氏名1〕"), ("phone", "090-1234-5678", "〔電話番号1〕")]
    assert unmask(masked.text, masked.spans) == question


def test_a_gazette_notice_with_an_address_a_postal_code_and_a_name() -> None:
    notice = ("破産者 高橋 花子（東京都千代田区霞が関一丁目二番三号）について、令和七年七月十四日午後五時、"
              "東京地方裁判所において破産手続開始の決定をした。"
              "問合せ先 〒100-8914 東京都千代田区永田町一丁目6番1号 電話 03-5253-2111 "
              "メール info@example.go.jp")
    masked = mask(notice)
    assert masked.text == ("破産者 〔氏名1〕（〔住所1〕）について、令和七年七月十四日午後五時、"
                           "東京地方裁判所において破産手続開始の決定をした。"
                           "問合せ先 〔住所2〕 電話 〔電話番号1〕 メール 〔メール1〕")
    assert ("address", "〒100-8914 東京都千代田区永田町一丁目6番1号", "〔住所2〕") in kinds(masked)
    assert unmask(masked.text, masked.spans) == notice


@pytest.mark.parametrize("address", [
    "大阪府大阪市北区梅田2-4-9", "千代田区霞が関1-2-3", "港区六本木六丁目10番1号", "京都市伏見区竹田藁屋町50番地",
    "広島県尾道市瀬戸田町沢226番地の６", "東京都千代田区霞が関２ -１-２", "東京都清瀬市中清戸３ -235", "〒060-0001",
    "郵便番号１００－８９１４",
])
def test_addresses_in_their_usual_forms(address: str) -> None:
    masked = mask(f"住所は{address}です。", names=False)
    assert masked.text == "住所は〔住所1〕です。", masked.text


@pytest.mark.parametrize("number", ["123456789018", "1234 5678 9018", "1234-5678-9018", "１２３４５６７８９０１８",
                                    "000001000020", "000000000060"])
def test_a_my_number_with_a_valid_check_digit_is_masked(number: str) -> None:
    masked = mask(f"個人番号は{number}です。")
    assert masked.text == "個人番号は〔個人番号1〕です。"
    assert masked.spans[0].kind == "my_number"


@pytest.mark.parametrize("number", ["123456789012", "1234 5678 9010", "000001000021"])
def test_twelve_digits_that_fail_the_check_digit_are_left_alone(number: str) -> None:
    text = f"受付番号{number}を確認した。"
    assert mask(text).text == text


def test_the_check_digit_algorithm() -> None:
    # 番号法施行令第8条: P(n) the n-th digit from the right of the first 11, Q(n) = n+1 (n<=6), n-5 (n>=7).
    assert my_number_valid("123456789018")  # sum 212, 212 mod 11 = 3, 11-3 = 8
    assert my_number_valid("000000000019")  # P1=1: sum 2 → 9
    assert my_number_valid("100000000005")  # P11=1, Q11=6: sum 6 → 5
    assert my_number_valid("000001000020")  # P1=2, P6=1: 4+7 = 11 → remainder 0 → 0
    assert my_number_valid("000000000060")  # P1=6: 12 → remainder 1 → 0
    assert not my_number_valid("123456789017") and not my_number_valid("12345678901") and not my_number_valid("x" * 12)


@pytest.mark.parametrize("phone", [
    "03-3581-0101", "03(3581)0101", "(03)3581-0101", "０３－３５８１－０１０１", "0312345678", "090-1234-5678",
    "09012345678", "080 1234 5678", "0120-123-456", "0570-000-683", "0800-123-4567", "+81 3-3581-0101",
    "+81-90-1234-5678", "＋81-(0)3-5521-8356", "0152-43-3167", "（03）3448-6126",
])
def test_phone_numbers_in_their_usual_forms(phone: str) -> None:
    assert mask(f"連絡先：{phone}（平日）").text == "連絡先：〔電話番号1〕（平日）"


def test_the_same_number_in_two_spellings_is_one_placeholder() -> None:
    masked = mask("代表 03-3581-0101、海外から +81 3-3581-0101、携帯 ０９０－１２３４－５６７８。")
    assert masked.text == "代表 〔電話番号1〕、海外から 〔電話番号1〕、携帯 〔電話番号2〕。"


@pytest.mark.parametrize("text", [
    "故意又は過失によって他人の権利又は法律上保護される利益を侵害した者は、これによって生じた損害を賠償する責任を負う。",
    "明治二十九年法律第八十九号（民法）第七百九条",
    "平成十五年法律第五十七号第二条第三項第四号の規定により、令和6年4月1日から施行する。",
    "金5,000,000円以下の罰金、2024-07-30付け、1,000万円、第1-2表、2025年07月14日、10:30から12:00まで",
    "国又は地方公共団体の機関は、日、週、月又は年によって期間を定める。違約金又は損害賠償の額",
    "第九百六十九条の次に一条を加える改正規定は、公布の日から施行する。",
    "東京都の区の存する区域及び市町村の第三号に掲げる者",
    "東京都においては、第1-2表による。北海道は3-4月、沖縄県は第2-1表。",
    "法人番号 1234567890123、官報第1506号、政府調達第129号、令和7年7月14日（号外第161号）",
])
def test_statute_text_dates_amounts_and_numbers_are_left_alone(text: str) -> None:
    masked = mask(text)
    assert masked.spans == () and masked.text == text


def test_the_five_sample_laws_have_no_personal_data(egov_sample: Path) -> None:
    from lxml import etree

    sentences = ["".join(el.itertext()) for xml in sorted(egov_sample.rglob("*.xml"))
                 for el in etree.parse(str(xml)).getroot().iter("Sentence")]
    assert len(sentences) > 4_000
    found = [(s.original, text[:60]) for text in sentences for s in mask(text).spans]
    assert found == []


def test_honorifics_and_full_names_are_names_but_a_lone_one_character_surname_is_not() -> None:
    masked = mask("田中氏、佐藤様、森さん、鈴木一郎君から意見を聴いた。森林法と原則を確認した。")
    assert masked.text == "〔氏名1〕氏、〔氏名2〕様、〔氏名3〕さん、〔氏名4〕君から意見を聴いた。森林法と原則を確認した。"
    assert mask("森、原、堀").spans == ()


def test_e_mail_addresses_right_after_japanese_text() -> None:
    masked = mask("連絡はメールtaro.yamada+gov@mail.example.go.jpまで、またはｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐへ。")
    assert masked.text == "連絡はメール〔メール1〕まで、または〔メール2〕へ。"


def test_names_can_be_left_unmasked() -> None:
    masked = mask("山田太郎さんの電話は03-3581-0101です。", names=False)
    assert masked.text == "山田太郎さんの電話は〔電話番号1〕です。"


def test_known_spans_carry_the_numbering_from_the_question_to_the_sources() -> None:
    question = mask("山田太郎さんの件で、佐藤さんに確認したい。")
    sources = mask("山田太郎（090-1111-2222）と田中一郎が出席した。", known=question)
    assert sources.text == "〔氏名1〕（〔電話番号1〕）と〔氏名3〕が出席した。"
    assert [s.placeholder for s in sources.spans] == ["〔氏名1〕", "〔氏名2〕", "〔電話番号1〕", "〔氏名3〕"]
    answer = "〔氏名1〕さんと〔氏名3〕さんは出席しました（〔電話番号1〕）。〔氏名10〕は知らない。"
    assert unmask(answer, sources.spans) == "山田太郎さんと田中一郎さんは出席しました（090-1111-2222）。〔氏名10〕は知らない。"


def test_the_audit_view_of_a_span_has_no_original() -> None:
    span = PiiSpan("phone", "090-1234-5678", "〔電話番号1〕")
    record = span.record()
    assert set(record) == {"kind", "placeholder", "hash"} and len(record["hash"]) == 16
    assert "1234" not in str(record)


def test_a_streamed_answer_gets_placeholders_cut_between_pieces_back() -> None:
    masked = mask("山田太郎さんと田中一郎さん")
    pieces = ["〔氏", "名1〕さんは出席し、〔", "氏名2", "〕さんは欠席した〔注", "〕。〔氏名"]
    stream = StreamUnmasker(masked.spans)
    shown = [stream.feed(piece) for piece in pieces] + [stream.flush()]
    assert "".join(shown) == "山田太郎さんは出席し、田中一郎さんは欠席した〔注〕。〔氏名"
    assert not any("〔氏" in part for part in shown[:-1])
    assert shown[0] == "" and shown[1] == "山田太郎さんは出席し、"
    assert [StreamUnmasker(()).feed(p) for p in pieces] == pieces  # nothing masked: nothing held
