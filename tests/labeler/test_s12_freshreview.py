"""Issue 12/14, Vietnamese side, session 12 (freshreview): wordings of the three blind house-style sets hs28-hs30
(northern mountains, central coast, Mekong delta / HCMC) that sent reports to review as unmatched sentences (read parts
only): findings_s12_freshreview.yaml and the "CSN" ratio reading of words_vi.py.

Every report here was written for its class (none is copied from a development or house-style set). Each row of
``CLASSES`` failed on main (review or a wrong region); the ``GUARDS`` rows keep what must stay.
"""

from __future__ import annotations

import pytest

from .test_s11_viord import HEART, PLEURA, WALL
from .test_vietnamese_generalisation import NORMAL, _check

LUNG = (0, 0, 1, 0, 1)
OUTSIDE = (0, 0, 0, 0, 1)  # abnormal outside the four regions (diaphragm, abdomen)

CLASSES = [
    # the thoracic spine and the pulmonary artery by their initials
    ("Tim không to.\nCSN thoái hoá nhẹ.", WALL),
    ("Phổi sáng. Vẹo CSN sang phải.", WALL),
    ("Phổi hai bên sáng.\nĐMP to.", HEART),
    ("Phổi hai bên sáng. Giãn thân ĐMP.", HEART),
    # advice opened by "Đn", the clinic named "LS"
    ("Phổi sáng. Tim không to.\nĐn: chụp CT ngực liều thấp.", NORMAL),
    ("Tim phổi bình thường.\nĐn: nội soi phế quản.", NORMAL),
    # the southern spoken "hông" for "không", with or without its mark
    ("Phổi sáng.\nMàng phổi hông dày, hông tràn dịch.", NORMAL),
    ("Tim hông lớn.\nHông thấy tràn khí màng phổi.", NORMAL),
    # the exam's title with its projection and a remark on the field is administrative
    ("X quang tim phổi PA (chụp cả hai đỉnh phổi)\nPhổi sáng. Tim không to.", NORMAL),
    # aortic calcium as a rim, a streak or a plaque the aorta has
    ("Phổi sáng.\nNúm động mạch chủ có vệt vôi.", HEART),
    ("Phổi sáng.\nThành ĐMC ngực có mảng vôi hoá.", HEART),
    # an aneurysm called local or saccular
    ("Phổi sáng.\nPhình khu trú ở động mạch chủ.", HEART),
    ("Phổi sáng.\nPhình dạng túi cung động mạch chủ.", HEART),
    # free gas under the dome named by its crescent look
    ("Tim phổi bình thường.\nBóng sáng hình lưỡi liềm dưới vòm hoành phải.", OUTSIDE),
    ("Phổi sáng.\nLiềm sáng nằm dưới cơ hoành trái.", OUTSIDE),
    # the hilum grown in size
    ("Tim không to.\nRốn phổi hai bên tăng kích thước.", LUNG),
    ("Tim không to.\nRốn phổi cả hai bên tăng kích thước và đậm.", LUNG),
    # calcium plaques lying on the pleura
    ("Tim không to.\nVệt vôi trên màng phổi thành phải.", PLEURA),
    # the dome raised, the side written with "bên" or the verb "nhô"
    ("Phổi sáng.\nCơ hoành bên trái lên cao.", OUTSIDE),
    ("Phổi sáng.\nVòm hoành phải nhô cao.", OUTSIDE),
    # air spreading into the soft tissue
    ("Phổi sáng.\nKhí lan toả dưới da thành ngực trái.", WALL),
    # pneumonia of a part of the lung said "viêm" + the part
    ("Tim không to.\nViêm thuỳ dưới phổi phải.", LUNG),
    # air above and fluid below in the pleural space
    ("Tim không to.\nMàng phổi phải có hơi phía trên và dịch phía dưới.", PLEURA),
    # a radiopaque object over the stomach or the gullet
    ("Tim phổi bình thường.\nThực quản có bóng cản quang hình đồng xu.", OUTSIDE),
]

GUARDS = [
    # "CSN" followed by a ratio stays the cardiothoracic ratio; followed by a vertebra it is the spine
    ("Phổi sáng. CSN = 0,44. Xương sườn không gãy.", NORMAL),
    ("Phổi sáng. CSN: 0,6.", HEART),
    ("Phổi sáng. Thoái hoá CSN T8-T9.", WALL),
    # "hong" typed without its mark stays "không" now that "hông" is a pack word
    ("Phoi sang.\nHong thay tran dich mang phoi.", NORMAL),
    ("Phoi sang. Mang phoi hong day.", NORMAL),
    # a finding on the title line is still read
    ("X quang ngực PA: tràn khí màng phổi trái.", PLEURA),
    # normal forms of the same subjects stay normal
    ("Phổi sáng. Cung ĐMP không vồng.", NORMAL),
    ("Phổi sáng. Rốn phổi hai bên không to.", NORMAL),
    ("Phổi sáng. Không thấy liềm hơi dưới cơ hoành.", NORMAL),
    ("Phổi sáng. Vòm hoành phải cao hơn trái.", NORMAL),
    ("Phổi sáng. Quai động mạch chủ không vôi hoá.", NORMAL),
]


@pytest.mark.parametrize(("text", "expected"), CLASSES + GUARDS)
def test_s12_freshreview_wordings(vi, text, expected):
    """a wording family of findings_s12_freshreview.yaml is read as its region; a normal or negated form stays normal"""
    _check(vi, text, expected)
