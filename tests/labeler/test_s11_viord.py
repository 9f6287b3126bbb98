"""Issue 12, Vietnamese side, session 11 (viord): finding wordings of the ordinary house styles that sent reports to
review (read parts of hs13-hs24 and dev), findings_s11_viord.yaml.

Every report here was written for its class (none is copied from a development or house-style set). Each row of
``WORDING_CLASSES`` failed on main (review or a wrong region); the ``GUARDS`` rows keep what must stay.
"""

from __future__ import annotations

import pytest

from rxlabel import labeler

from .test_vietnamese_generalisation import NORMAL, _check

PLEURA = (0, 1, 0, 0, 1)
HEART = (0, 0, 0, 1, 1)
WALL = (1, 0, 0, 0, 1)


@pytest.fixture(scope="module")
def vi():
    return labeler.load("vi")


WORDING_CLASSES = [
    # aortic calcium named with the verb "đóng vôi", before or after the vessel
    ("Phổi sáng.\nThành động mạch chủ đóng vôi.", HEART),
    ("Phổi hai bên sáng.\nĐóng vôi thành ĐMC.", HEART),
    ("Phổi sáng. Có mảng đóng vôi ở núm động mạch chủ.", HEART),
    # the aorta lengthened, the bare adjective "dài"
    ("Phổi hai bên sáng.\nĐMC ngực hơi dài.", HEART),
    # bone mineral loss said of the bones themselves
    ("Tim không to.\nKhung xương giảm khoáng.", WALL),
    ("Tim không to. Xương sườn thưa.", WALL),
    # degeneration said of the bony thorax
    ("Phổi sáng.\nKhung xương lồng ngực thoái hoá.", WALL),
    # air in the soft tissue named as lucent streaks
    ("Phổi sáng.\nDải sáng khí phần mềm thành ngực phải.", WALL),
    ("Phổi sáng.\nKhí ở mô mềm vùng cổ.", WALL),
    # the spine bent off its axis
    ("Tim không to.\nCột sống thắt lưng cong trục sang trái.", WALL),
    ("Tim không to. Cột sống ngực lưng cong lệch nhẹ.", WALL),
    # a vertebra that lost height
    ("Tim không to.\nThân đốt sống ngực mất chiều cao.", WALL),
    # calcium on the pleura with its shape
    ("Tim không to.\nNốt đóng vôi màng phổi trái.", PLEURA),
    ("Tim không to.\nỔ vôi hoá dạng nốt tại màng phổi phải.", PLEURA),
    # the minor fissure named with the lung after it
    ("Tim không to.\nRãnh liên thuỳ nhỏ phổi phải dày nhẹ.", PLEURA),
]

# advice to watch the course is an administrative line, skipped like "đề nghị" (pack.yaml admin_lines, s11-viord)
ADVICE = [
    ("Phổi sáng. Tim không to.\nCoi chừng diễn biến, hẹn chụp lại sau 2 tuần.", NORMAL),
]

GUARDS = [
    # a finding in the advice sentence is still read; an advice line after a finding leaves it as it is
    ("Tràn dịch màng phổi phải lượng ít.\nCần theo dõi tiến triển trên phim sau.", PLEURA),
    ("Phổi sáng.\nTheo dõi diễn tiến tràn dịch màng phổi trái.", PLEURA),
    ("Phổi sáng. Tim không to. Động mạch chủ không giãn.", NORMAL),
    ("Phổi sáng. Tim không to. Khung xương lồng ngực cân đối.", NORMAL),
    ("Tim không to. Không thấy khí dưới da.", NORMAL),
    ("Quai dong mach chu khong gian. Tim khong to.", NORMAL),
]


@pytest.mark.parametrize(("text", "expected"), WORDING_CLASSES + ADVICE + GUARDS)
def test_s11_viord_wordings(vi, text, expected):
    """a wording family of findings_s11_viord.yaml is read as its region; a normal or negated form stays normal"""
    _check(vi, text, expected)
