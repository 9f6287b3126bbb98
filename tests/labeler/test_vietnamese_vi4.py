"""Issue 12, Vietnamese side, session 4 round 4: the classes behind two more writers' queues (house_styles_5 / _6
read parts).

Every report here was written for its class, none copied from a development, house-style or held-out set. Each
``*_CLASSES`` row failed before the change named in its comment (queued, or a region wrong); the ``*_GUARDS``
rows pass before and after and keep the change from reading away a finding.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check
from .test_vietnamese_vi3 import BODY


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


# pack.yaml admin_lines: a district hospital's disposition line ("referred up") and a recruitment check-up's title,
# typed with or without marks (each queued the report)
ADMIN_CLASSES = [
    f"{BODY} Chuyển tuyến trên.",
    f"{BODY} Chuyen tuyen tren.",
    f"Khám tuyển quân nhân.\n{BODY}",
    f"Khám tuyển nghĩa vụ quân sự\n{BODY}",
]
# ... a finding beside it is read (the first was queued before, by the referral line; the second passed before)
ADMIN_GUARDS = [
    ("Gãy cung sau xương sườn 5 trái. Chuyển tuyến trên.", (1, 0, 0, 0, 1)),
    ("Chuyển tuyến trên điều trị tràn khí màng phổi phải.", (0, 1, 0, 0, 1)),
]

# pack.yaml admin_patterns: a treated past disease as its own sentence with no header (read present before)
HISTORY_CLASSES = [
    f"{BODY} Tiền sử lao phổi đã điều trị đủ phác đồ.",
    f"HIỆN CHƯA THẤY TỔN THƯƠNG. TIỀN SỬ LAO PHỔI ĐÃ ĐIỀU TRỊ\n{BODY}",
    f"{BODY} Tiền căn lao phổi điều trị xong năm 2019.",
]
HISTORY_GUARDS = [
    ("Tiền sử lao phổi đã điều trị. Xơ vôi đỉnh phổi phải. Tim không to.", (0, 0, 1, 0, 1)),
    ("Tiền sử lao phổi. Dải xơ đỉnh phổi phải. Tim không to.", (0, 0, 1, 0, 1)),
]

# findings_styles.yaml: word orders of findings the pack knew in other orders (each queued the report)
FINDING_CLASSES = [
    ("Phổi sáng. Tim không to. Cung sườn hoành phải mờ, tù.", (0, 1, 0, 0, 1)),
    ("Phổi sáng. Tim không to. Tù hai góc sườn hoành.", (0, 1, 0, 0, 1)),
    ("Mờ rải rác nhu mô phổi trái. Tim không to. Góc sườn hoành nhọn.", (0, 0, 1, 0, 1)),
    ("Mờ không đồng nhất phế trường phải. Tim không to.", (0, 0, 1, 0, 1)),
    ("Phổi sáng. Tim không to. Xẹp nhẹ bờ trên thân đốt D11.", (1, 0, 0, 0, 1)),
    ("Phoi sang. Tim khong to. Xep bo duoi than dot song L1.", (1, 0, 0, 0, 1)),
]
FINDING_GUARDS = [
    ("Phổi sáng. Tim không to. Góc sườn hoành hai bên nhọn.", NORMAL),
    ("Không thấy mờ rải rác nhu mô phổi. Tim không to.", NORMAL),
]


ROWS = ([(t, NORMAL) for t in ADMIN_CLASSES] + ADMIN_GUARDS
        + [(t, NORMAL) for t in HISTORY_CLASSES] + HISTORY_GUARDS
        + FINDING_CLASSES + FINDING_GUARDS)


@pytest.mark.parametrize(("text", "expected"), ROWS)
def test_the_classes_of_two_more_writers(vi, text, expected):
    _check(vi, text, expected)


# engine._statement_commas: a comma clause ends at the next clause break (";"), so a statement word ("to", "đã")
# after the break does not end the negation of the comma list before it (the last item read present before)
SEMICOLON_LISTS = [
    ("Không tràn dịch, tràn khí màng phổi ; tim không to.", (0, 0, 0, 0, 0)),
    ("Không thấy nốt, đám mờ hay đông đặc nhu mô phổi ; bóng tim không to.", (0, 0, 0, 0, 0)),
    ("Không thấy gãy xương sườn, xẹp đốt sống ; trung thất không giãn.", (0, 0, 0, 0, 0)),
    # guards: a statement word inside the comma's own clause still ends the scope, before or after a break
    ("Không thấy tràn dịch màng phổi, tim to ; phổi sáng.", (0, 0, 0, 1, 1)),
    ("Không thấy tràn dịch màng phổi ; tim to, phổi sáng.", (0, 0, 0, 1, 1)),
]


@pytest.mark.parametrize(("text", "expected"), SEMICOLON_LISTS)
def test_a_negated_comma_list_ends_at_its_clause_break(vi, text, expected):
    _check(vi, text, expected)
