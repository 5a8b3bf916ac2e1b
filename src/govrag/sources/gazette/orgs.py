"""Who issued an entry: ministries and agencies named the way the gazette names them.

Two places say it. A table-of-contents title ends with the issuer and its
number, abbreviated (「（外務七六）」「（内閣府・国土交通四）」「（同七七）」 = the
previous entry's); a procurement notice names the official (「支出負担行為担当官
東京拘置所長 山本 英博」). Both become organisation names, plus the ministry a
regional office belongs to (東京拘置所 → 法務省), so 「法務省の入札」 finds it.
"""

from __future__ import annotations

import re

#: The ministries the gazette abbreviates without 省 (「厚生労働三二五」).
MINISTRIES = ("総務", "法務", "外務", "財務", "文部科学", "厚生労働", "農林水産", "経済産業", "国土交通", "環境", "防衛")
_COMMISSIONS = {"国家公安委": "国家公安委員会", "原子力規制委": "原子力規制委員会", "公正取引委": "公正取引委員会",
                "個人情報保護委": "個人情報保護委員会", "最高裁": "最高裁判所"}

#: Offices whose name does not say their ministry: (pattern, ministry).
_PARENTS = (
    (re.compile(r"地方整備局|北海道開発局|運輸局|航空局|海上保安|気象|観光庁|沖縄総合事務局"), "国土交通省"),
    (re.compile(r"財務局|財務事務所|税関|国税局|国税庁|造幣局|印刷局"), "財務省"),
    (re.compile(r"拘置所|刑務所|少年院|少年鑑別所|法務局|検察庁|入国管理|出入国在留管理|矯正|公安調査"), "法務省"),
    (re.compile(r"管区警察局|警察支局|皇宮警察|情報通信部"), "警察庁"),
    (re.compile(r"労働局|検疫所|厚生局|国立ハンセン病|医薬品食品衛生"), "厚生労働省"),
    (re.compile(r"農政局|森林管理|林野庁|水産庁|植物防疫|動物検疫|農林水産消費安全"), "農林水産省"),
    (re.compile(r"経済産業局|特許庁|資源エネルギー庁|中小企業庁|産業保安"), "経済産業省"),
    (re.compile(r"防衛局|自衛隊|防衛装備庁|防衛大学校|陸上幕僚|海上幕僚|航空幕僚|統合幕僚|地方協力本部"), "防衛省"),
    (re.compile(r"総合通信局|消防庁|統計"), "総務省"),
    (re.compile(r"地方環境事務所|原子力規制"), "環境省"),
    (re.compile(r"文化庁|スポーツ庁"), "文部科学省"),
)
# An office's name ends at the first of these (「警察庁長官官房会計課理事官」 → 警察庁).
_ORG_END = re.compile(  # a name that goes on (国立病院機構, 研究所本部) is not cut at its first part
    r"^.*?(?:省|庁|内閣府|内閣官房|委員会|院(?!機構)|局|所(?!本部)|機構|センター|大学|本部|隊|公社|公団|事務所"
    r"|病院(?!機構)|学校|研究所(?!本部))"
)
_CORPORATE = re.compile(r"^(?:国立大学法人|国立研究開発法人|独立行政法人|地方独立行政法人|大学共同利用機関法人)")
#: The official who signs a procurement notice, as printed before the post (「分任支出負担行為担当官」).
ROLE = r"(?:分任)?(?:支出負担行為担当官|契約担当官|経理責任者|契約責任者|契約事務責任者|官署支出官|契約担当役)(?:等)?"
_ROLE = re.compile(rf"^{ROLE}\s*")
_ISSUER_NUMBER = re.compile(r"（([^（）]+?)[〇一二三四五六七八九十百千～、－・\s]*）$")
_ORGISH = re.compile(r"(?:省|庁|局|院|府|官房|委員会|会|所|本部|機構|裁判所)$")
_TOC_SUFFIX = re.compile(r"(?:告示配|公示|最低賃金公示|最低工賃公示)$")


def with_parent(org: str) -> list[str]:
    """The organisation, then the ministry it belongs to when its name does not say so itself."""
    names = [org]
    for pattern, ministry in _PARENTS:
        if pattern.search(org) and ministry != org:
            names.append(ministry)
            break
    return names


def official_org(post: str) -> str | None:
    """「警察庁長官官房会計課理事官 重成 麻利」 → 警察庁; 「東京拘置所長 山本 英博」 → 東京拘置所."""
    post = _ROLE.sub("", post.strip()).replace(" ", "").replace("\u3000", "")
    corporate = _CORPORATE.match(post)
    prefix = corporate.group(0) if corporate else ""
    m = _ORG_END.match(post[len(prefix):])
    return prefix + m.group(0) if m else None


def toc_issuers(title: str, previous: list[str]) -> list[str]:
    """The issuers a table-of-contents title names at its end; 「同」 repeats the previous entry's."""
    m = _ISSUER_NUMBER.search(title)
    if m is None:
        return []
    said = _TOC_SUFFIX.sub("", m.group(1).strip())
    if said.startswith("同"):
        return list(previous)
    names: list[str] = []
    for part in said.split("・"):
        part = part.strip()
        if not part:
            continue
        name = f"{part}省" if part in MINISTRIES else _COMMISSIONS.get(part, part)
        if not _ORGISH.search(name):  # 「（建設工事）」「（一）」 close a title too, naming no one
            continue
        for n in with_parent(name):
            if n not in names:
                names.append(n)
    return names
