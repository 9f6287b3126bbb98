"""Issue 12/14, Vietnamese side, session 12 (vinorm): normal, back-to-normal and "named, then declared no lesion"
statements the pack did not read (read parts of every vi set), findings_s12_vinorm.yaml and the ``# s12-vinorm:``
lines of normals.yaml.

Every report here was written for its class (none is copied from a development or house-style set). Each row of
``CLASSES`` failed on main (review or a wrong region); the ``GUARDS`` rows keep what must stay.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check

PARENCHYMA = (0, 0, 1, 0, 1)
HEART = (0, 0, 0, 1, 1)
PLEURA = (0, 1, 0, 0, 1)


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


CLASSES = [
    # 1. the drop-shaped heart of an emphysematous chest: a small heart, the cardio normal
    ("Hai phổi sáng.\nTim hình giọt nước, không to.", NORMAL),
    ("Phế trường hai bên sáng. Bóng tim dạng giọt nước.", NORMAL),
    ("Phổi sáng đều.\nBóng tim có hình giọt nước, không lớn.", NORMAL),
    # 2. a thing named, then declared no lesion after it
    ("Tim không to.\nBóng mờ đáy phổi phải do núm vú, không phải tổn thương phổi.", NORMAL),
    ("Phổi sáng. Đốm mờ nhỏ đỉnh phổi trái, không phải là tổn thương thực sự.", NORMAL),
    # 2. a shadow explained as superimposed anatomy (the breast, the pectoral muscle)
    ("Tim không to.\nĐám mờ đáy phổi trái là hình ảnh chồng của tuyến vú hai bên.", NORMAL),
    ("Góc sườn hoành nhọn. Đám mờ nhẹ đáy phổi hai bên do bóng chồng của mô vú.", NORMAL),
    # a finding wording: the heart's water-bottle outline named by its shape or its lost arcs
    ("Hai phổi sáng.\nBóng tim dạng túi, bờ rõ.", HEART),
    ("Phổi sáng. Bờ tim mất các cung.", HEART),
    # a finding wording: the aortic knob's calcium named by its outline
    ("Phổi sáng.\nQuai ĐMC có viền vôi hoá.", HEART),
    ("Phổi sáng. Vệt vôi hình liềm ở núm động mạch chủ.", HEART),
]

GUARDS = [
    # a finding left standing: a lesion "not old" is still a lesion; an opacity beside a denied lesion elsewhere
    ("Tim không to. Đám mờ đáy phổi phải, không phải tổn thương cũ.", PARENCHYMA),
    ("Tràn dịch màng phổi phải lượng ít.\nTim không to.", PLEURA),
    ("Bóng tim to.\nPhổi sáng.", HEART),
    ("Vôi hoá quai động mạch chủ.\nPhổi sáng.", HEART),
    # what main already read stays as it was
    ("Tim không to. Bờ trái tim rõ.", NORMAL),
    ("Hai phổi sáng. Nốt mờ đáy phổi trái là bóng núm vú.", NORMAL),
    ("Tim không to. Góc sườn hoành trái đã nhọn trở lại.", NORMAL),
    ("Phổi sáng. Tràn dịch màng phổi trái đã hết.", NORMAL),
    ("Tim không to.\nGóc sườn hoành trái đã trở về bình thường.", NORMAL),
    ("Hai phổi sáng. Khí quản không hẹp.", NORMAL),
    ("Tim không to. Nốt mờ đỉnh phổi phải là hình chồng của xương đòn.", NORMAL),
]


@pytest.mark.parametrize(("text", "expected"), CLASSES + GUARDS)
def test_s12_vinorm(vi, text, expected):
    """a normal or denied statement is the region's normal; a finding wording is its region; guards stay"""
    _check(vi, text, expected)
