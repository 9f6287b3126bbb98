"""s11-vifmt: Vietnamese documents that carry a film among administrative fields (ward handover notes, insurance
appendices, AI triage print-outs): their own fields are skipped, the doctor's reading is read."""

from __future__ import annotations

import pytest

from rxlabel.labeler import Labeler
from rxlabel.labeler.pack import load_pack
from rxlabel.schema import REGION_COLUMNS


@pytest.fixture(scope="module")
def lab() -> Labeler:
    return Labeler(load_pack("vi"))


def _auto(lab: Labeler, text: str) -> dict[str, int] | None:
    res = lab(text, "t")
    if res.method not in ("template", "rule") or res.rejected:
        return None
    return {r: int(res.regions.get(r, 0) != 0) for r in REGION_COLUMNS}


NORMAL = dict.fromkeys(REGION_COLUMNS, 0)

CASES = [
    # ward handover: vital signs, to-do and hand-over lines are administrative
    ("handover", "BÀN GIAO CA TRỰC - Khoa Nội - 07h00 ngày 02/01\n- Sinh hiệu: M 90, HA 120/70, SpO2 97%\n"
     "- XQ ngực: tim không to, hai phổi sáng, góc sườn hoành nhọn.\n- Việc cần làm: theo dõi nhiệt độ\n"
     "Người giao: ĐD An / Người nhận: ĐD Bình", NORMAL),
    ("handover_unaccented", "Giao ban sang - Khoa Ho hap\n- Dien bien: on dinh\n- Sinh hieu: M 80, HA 110/70\n"
     "- XQ nguc: tim khong to, hai phoi sang.\nNguoi giao: DD Lan", NORMAL),
    # insurance appendix: claim file lines skipped, the quoted report read
    ("insurance", "Phụ lục kèm tờ trình bồi thường\nSố HSBT: BT2024-1111\nChứng từ 3/5: phiếu kết quả X-quang ngực thẳng\n"
     "Tim không to. Hai phổi sáng. Góc sườn hoành hai bên nhọn.\nNgười lập: CV. A - Phòng Bồi thường", NORMAL),
    # AI print-out: its score rows are not findings; the doctor's lines below the confirmation are
    ("ai_printout", "[CAD v1] KẾT QUẢ PHÂN TÍCH TỰ ĐỘNG\nMức ưu tiên: THẤP\nTràn dịch màng phổi ...... 0.61  PHÁT HIỆN\n"
     "Tim to ...... 0.10  -\n\nBS CĐHA xác nhận (BS. B, 10:00):\n- Hai phổi sáng, góc sườn hoành nhọn, tim không to.",
     NORMAL),
    ("ai_printout_positive", ">> Phần mềm hỗ trợ đọc phim - kết quả sơ bộ\nMức ưu tiên: CAO\n"
     "Tim to ...... 0.80  DƯƠNG TÍNH\n\nBS CĐHA xác nhận (BS. C, 11:00):\n- Bóng tim to.",
     {**NORMAL, "cardio": 1, "abnormal": 1}),
]

GUARDS = [
    # a plain report stays as it is
    ("plain", "Tim không to. Hai phổi sáng. Góc sườn hoành hai bên nhọn.", NORMAL),
    ("plain_positive", "Tràn dịch màng phổi phải lượng ít.", {**NORMAL, "pleura": 1, "abnormal": 1}),
    # an administrative opener naming a finding is still read
    ("admin_with_finding", "Mức ưu tiên: cao. Tràn khí màng phổi trái.", {**NORMAL, "pleura": 1, "abnormal": 1}),
]


@pytest.mark.parametrize(("name", "text", "want"), CASES + GUARDS, ids=[c[0] for c in CASES + GUARDS])
def test_s11_vifmt(lab: Labeler, name: str, text: str, want: dict[str, int]) -> None:
    assert _auto(lab, text) == want
