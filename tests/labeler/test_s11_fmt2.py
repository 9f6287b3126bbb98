"""Session 11, fmt2 (issue 12, Vietnamese): a negation inside a bracketed aside ends with it; a doctor's confirmation
typed with a telex residue still closes an AI print-out."""

import pytest

from rxlabel.labeler import Labeler


@pytest.fixture(scope="module")
def vi():
    return Labeler("vi")


# The aside's "không" / "chưa" does not reach the finding after the bracket (1); guards: a laterality or a site in
# brackets inside a negated list stays negated (0).
ASIDE = [
    ("Bổ sung (AI không đánh dấu): vòm hoành phải lên cao.", "hemidiaphragm elevation", 1),
    ("Ghi chú (chưa có phim cũ): tràn dịch màng phổi trái lượng ít.", "pleural effusion", 1),
    ("Không thấy tràn dịch (P), tràn khí màng phổi.", "pneumothorax", 0),
    ("Không thấy tràn dịch màng phổi (hai bên) và tràn khí màng phổi.", "pneumothorax", 0),
]


@pytest.mark.parametrize("text,finding,status", ASIDE)
def test_negated_aside_ends_its_scope(vi, text, finding, status):
    assert vi(text, "x").findings.get(finding) == status


def test_telex_typo_confirmation_closes_the_ai_printout(vi):
    text = ("AI triage | XQ ngực thẳng\nMức ưu tiên: THẤP\n| Trung thất rộng | 0.03 | - |\n\n"
            "BS CĐHA xác nhaanj (BS. A, 11:20):\n- Không thấy tràn dịch, tràn khí màng phổi. Tim không to.\n"
            "KẾT LUẬN CUỐI: phim ngực bình thường")
    result = vi(text, "x")
    assert "mediastinal enlargement" not in result.findings
    assert result.regions["cardio"] == 0
