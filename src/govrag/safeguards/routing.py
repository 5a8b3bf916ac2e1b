"""Confidentiality routing: which sources may go to which model.

Government information is classified 機密性1 (public) to 機密性3. Every source (laws, diet, gazette,
a ministry's own documents) has a level in the settings (`source_confidentiality`, default 1), and a
chunk's own `confidentiality` attribute overrides it. An external endpoint (a cloud model, a gateway)
may receive nothing above `external_max_confidentiality`: the sources above it are withheld (`blocked`)
and the model answers from the rest; when every source is above it, or the user declares the question
itself above it, nothing is sent at all and the answer is extractive. A model run inside the
organisation receives everything.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

PUBLIC: Final = 1
HIGHEST: Final = 3


@dataclass(frozen=True, slots=True)
class Routing:
    #: True when nothing is withheld; False when `blocked` names what may not be sent (all of it, or some).
    allowed: bool
    #: Chunk ids that may not be sent, in the order given (all of them when the question itself is above the limit).
    blocked: tuple[str, ...]
    #: For the user, in Japanese.
    reason: str

    def record(self) -> dict[str, Any]:
        return asdict(self)


def _level(value: Any) -> int | None:
    """1, "2", "機密性3" → the level; anything else → None."""
    if isinstance(value, int) and not isinstance(value, bool):
        level = value
    else:
        m = re.fullmatch(r"\s*(?:機密性)?\s*([0-9０-９])\s*", str(value))
        level = int(m.group(1)) if m else 0
    return level if PUBLIC <= level <= HIGHEST else None


def level_of(chunk_source: str, attrs: Mapping[str, Any], settings_levels: Mapping[str, int]) -> int:
    """The chunk's level: its `confidentiality` attribute (1, "2", "機密性3"), else its source's, else 1.
    An attribute that is not a level counts as the highest: an unreadable mark must not let text out."""
    mark = attrs.get("confidentiality")
    if mark is not None:
        return _level(mark) or HIGHEST
    return int(settings_levels.get(chunk_source, PUBLIC))


def route(levels: Mapping[str, int], *, question_level: int, external: bool, max_external: int) -> Routing:
    """Whether a model may see these sources (chunk id → level) for a question of `question_level`."""
    if not external:
        return Routing(True, (), "組織内で動かしているモデルのため、機密性による制限はありません。")
    if question_level > max_external:
        return Routing(False, tuple(levels), (
            f"この質問は機密性{question_level}と指定されているため、外部のモデルには送らず、抽出回答にしました。"))
    blocked = tuple(cid for cid, level in levels.items() if level > max_external)
    if not blocked:
        return Routing(True, (), f"資料はすべて機密性{max_external}以下のため、外部のモデルに送れます。")
    counts = Counter(levels[cid] for cid in blocked)
    which = "、".join(f"機密性{level}の資料（{n}件）" for level, n in sorted(counts.items()))
    if len(blocked) == len(levels):
        return Routing(False, blocked, f"{which}は外部のモデルに送れないため、抽出回答にしました。")
    return Routing(False, blocked, f"{which}は外部のモデルに送れないため、それを除いた資料だけで回答しました。")
