"""Issue 13 class 2: convert output names are unique by construction; a collision is an error that
loses nothing, and the counts add up."""

import numpy as np
import pandas as pd
from click.testing import CliRunner
from PIL import Image

from rxlabel.cli import main
from tests.matcher.test_convert_fast import _pixels, write


def test_same_basename_without_sop_uid_in_two_folders(tmp_path):
    d = tmp_path / "d"
    rows = [(write(d / "nosop1.dcm", _pixels(1), WindowCenter=1000, WindowWidth=500), "P1"),
            (write(d / "sub" / "nosop1.dcm", _pixels(2), WindowCenter=3000, WindowWidth=500), "P2")]
    rows += [(write(d / f"x{i}.dcm", _pixels(10 + i), sop=f"1.2.3.{i}"), f"Q{i}") for i in range(10)]
    pairs = pd.DataFrame({"image_path": [str(p) for p, _ in rows], "patient_id": [pid for _, pid in rows],
                          "sop_uid": ["", ""] + [f"1.2.3.{i}" for i in range(10)],
                          "report_id": [f"r{i}" for i in range(len(rows))]})
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    r = CliRunner().invoke(main, ["convert", str(tmp_path / "pairs.csv"), "--out", str(tmp_path / "o"),
                                  "--size", "32", "--quiet"])
    assert r.exit_code == 0, r.output
    assert "converted 12 of 12 images, 0 failed" in r.output
    man = pd.read_csv(tmp_path / "o" / "manifest.csv", dtype=str, keep_default_na=False)
    assert man["png"].nunique() == 12 and len(list((tmp_path / "o").glob("*.png"))) == 12
    p1, p2 = (np.asarray(Image.open(tmp_path / "o" / man.loc[i, "png"])) for i in (0, 1))
    assert not np.array_equal(p1, p2)  # each manifest row points at its own patient's pixels
    assert p1.mean() > p2.mean() + 50  # P1 windowed low (bright), P2 windowed high (dark)


def test_a_duplicate_sop_uid_is_an_error_not_an_overwrite(tmp_path):
    a = write(tmp_path / "a.dcm", _pixels(1), sop="1.2.3")
    b = write(tmp_path / "b" / "a.dcm", _pixels(2), sop="1.2.3")
    pd.DataFrame({"image_path": [str(a), str(b)], "sop_uid": ["1.2.3", "1.2.3"], "patient_id": ["P1", "P2"],
                  "report_id": ["r1", "r2"]}).to_csv(tmp_path / "p.csv", index=False)
    r = CliRunner().invoke(main, ["convert", str(tmp_path / "p.csv"), "--out", str(tmp_path / "o"), "--quiet",
                                  "--size", "32"])
    assert r.exit_code == 0, r.output
    assert "converted 1 of 2 images, 1 failed" in r.output and "name_collision" in r.output
    man = pd.read_csv(tmp_path / "o" / "manifest.csv", dtype=str, keep_default_na=False)
    assert man["status"].tolist() == ["ok", "failed"] and man.loc[1, "reason"].startswith("name_collision")
    assert len(list((tmp_path / "o").glob("*.png"))) == 1
