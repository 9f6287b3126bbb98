"""Issue 12, Vietnamese side, session 12 (visite): a thing assigned to the wrong region (read parts of all vi sets):
an opacity's soft-tissue density read as the chest wall's soft tissue, a mediastinal site in the comma clause before
a subjectless "có khối mờ", a gas bubble behind the heart with a fluid level read as a lung bulla
(findings_s12_visite.yaml, engine.Engine._near_site).

Every report here was written for its class (none is copied from a development or house-style set). Each row of
``WRONG_CLASSES`` was labelled automatically and wrong on s12-int; the ``GUARDS`` rows keep what must stay.
"""

from __future__ import annotations

import pytest

from .test_s9_vir import HEART, LUNG, WALL
from .test_vietnamese_generalisation import _check

# the ``vi`` fixture is conftest's (the installed Vietnamese pack)
ABNORMAL_ONLY = (0, 0, 0, 0, 1)

WRONG_CLASSES = [
    # "đậm độ mô mềm / phần mềm" names the opacity's density: the lung's nodule or mass, not a chest-wall mass
    ("Phổi: một nốt mờ đậm độ mô mềm kích thước 12 mm ở thuỳ dưới phổi trái.", LUNG),
    ("Khối mờ đậm độ phần mềm, bờ tua gai, vùng đỉnh phổi phải.", LUNG),
    ("Tim không to. Bóng mờ đậm độ mô mềm cạnh rốn phổi trái.", LUNG),
    # a mediastinal site in the comma clause before, the opacity's clause opened by "có" / "thấy" or by the opacity
    ("Trung thất trên rộng, có khối mờ bờ đa cung lồi sang phải.", HEART),
    ("Bờ trung thất trái lồi, thấy khối mờ đa cung. Phổi hai bên sáng.", HEART),
    ("Trung thất trước giãn rộng, khối mờ bờ rõ.", HEART),
    # a gas bubble behind the heart with a fluid level, the place named first: the hiatal hernia (abnormal, no region)
    ("Phổi hai bên sáng. Sau bóng tim có một bóng khí tròn chứa mức nước - hơi.", ABNORMAL_ONLY),
]

GUARDS = [
    # a chest-wall site after the density, or a soft-tissue opacity without "đậm độ", stays the chest wall's
    ("Phổi sáng. Khối mờ đậm độ phần mềm vùng nách trái.", WALL),
    ("Phổi sáng. Bóng mờ phần mềm vùng nách phải.", WALL),
    # "đậm độ" after a bare "khối" is no soft-tissue site either
    ("Khối đậm độ mô mềm thuỳ trên phổi phải.", LUNG),
    # a negated mediastinal clause, or a clause with its own subject, leaves the opacity the lung's
    ("Trung thất trên không rộng, có khối mờ thuỳ trên phổi phải.", LUNG),
    ("Khối mờ thuỳ trên phổi phải, trung thất không lệch.", LUNG),
    # the fluid level alone was already no lung finding; a lung bulla is still a lung bulla
    ("Phía sau tim thấy hình hơi có mức hơi dịch. Tim không to.", ABNORMAL_ONLY),
    ("Kén khí đỉnh phổi phải. Tim không to.", LUNG),
]


@pytest.mark.parametrize(("text", "expected"), WRONG_CLASSES + GUARDS)
def test_s12_visite(vi, text, expected):
    """a report of a wrong-label class is labelled in the right regions; a guard stays as it is"""
    _check(vi, text, expected)
