import numpy as np
import pandas as pd
from click.testing import CliRunner
from PIL import Image

from rxlabel.cli import main
from rxlabel.deid import Deidentifier
from rxlabel.matcher import synth
from rxlabel.matcher.convert import out_name


def test_real_files_convert_j2k_monochrome1_acr_nema(shared_data, tmp_path):
    names = ["nema_wg04_RG1_J2KI_CR_chest_PA.dcm", "barre_CR-MONO1-10-chest_via_fo-dicom.dcm",
             "nih_cxr14_DX_chest_via_nhsx_nccid.dcm"]
    pairs = pd.DataFrame({"image_path": [str(shared_data / "dicom" / n) for n in names], "sop_uid": ["a", "b", "c"],
                          "patient_id": ["9RG1", "", "Covid0000"], "report_id": ["r1", "r2", "r3"]})
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    r = CliRunner().invoke(main, ["convert", str(tmp_path / "pairs.csv"), "--out", str(tmp_path / "png"),
                                  "--size", "256", "--quiet"])
    assert r.exit_code == 0, r.output
    man = pd.read_csv(tmp_path / "png" / "manifest.csv")
    assert list(man["status"]) == ["ok", "ok", "ok"]
    for png, rows, cols in zip(man["png"], man["rows"], man["columns"], strict=True):
        img = np.asarray(Image.open(tmp_path / "png" / png))
        assert img.shape == (256, 256) and img.dtype == np.uint8
        # aspect kept: a non-square source leaves black padding on the short side
        if rows != cols:
            pad_axis = 1 if rows > cols else 0
            edge = img[:, :2] if pad_axis == 1 else img[:2, :]
            assert edge.max() == 0
    # MONOCHROME1 sources (RG1, Barré) must come out with dark lungs beside a bright mediastinum
    for i in (0, 1):
        img = np.asarray(Image.open(tmp_path / "png" / man.loc[i, "png"])).astype(float)
        assert img[100:160, 60:100].mean() < img[100:160, 120:136].mean() - 20


def test_sixteen_bit_and_deidentified_names(tmp_path):
    a = synth.generate(2, seed=5)
    rec = a.images[0]
    ramp = (np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) * 16)
    path = synth.write_dicom(rec, tmp_path / "in.dcm", pixels=ramp)
    pd.DataFrame({"image_path": [str(path)], "sop_uid": [rec["sop_uid"]], "patient_id": [rec["patient_id"]],
                  "report_id": ["R"]}).to_csv(tmp_path / "p.csv", index=False)
    r = CliRunner().invoke(main, ["convert", str(tmp_path / "p.csv"), "--out", str(tmp_path / "o"), "--size", "64",
                                  "--bits", "16", "--deidentify", "--salt", "s3cret", "--quiet"])
    assert r.exit_code == 0, r.output
    man = pd.read_csv(tmp_path / "o" / "manifest.csv", dtype=str)
    assert "patient_id" not in man and "image_path" not in man and rec["sop_uid"] not in man.to_csv()
    assert man.loc[0, "png"] == out_name(rec["sop_uid"], "", "s3cret") + ".png"
    assert man.loc[0, "patient_key"] == Deidentifier("s3cret").pseudonym(rec["patient_id"], "pt")
    img = np.asarray(Image.open(tmp_path / "o" / man.loc[0, "png"]))
    assert img.dtype == np.uint16 and img.shape == (64, 64)
    assert img[:16].max() == 0 and img[48:].max() == 0  # 2:1 source padded top and bottom
    row = img[32, :]
    assert row[-1] > row[0] and img.max() > 60000  # the ramp survives with 16-bit range


def test_unreadable_image_is_reported_not_fatal(tmp_path):
    (tmp_path / "bad.dcm").write_bytes(b"\x00" * 300)
    pd.DataFrame({"image_path": [str(tmp_path / "bad.dcm")], "sop_uid": ["x"], "patient_id": ["p"],
                  "report_id": ["r"]}).to_csv(tmp_path / "p.csv", index=False)
    r = CliRunner().invoke(main, ["convert", str(tmp_path / "p.csv"), "--out", str(tmp_path / "o"), "--quiet"])
    assert r.exit_code == 1 and "failed:" in r.output
    assert pd.read_csv(tmp_path / "o" / "manifest.csv")["status"].tolist() == ["failed"]


def test_jpeg_output_and_its_bit_depth_guard(tmp_path):
    a = synth.generate(2, seed=6)
    rec = a.images[0]
    path = synth.write_dicom(rec, tmp_path / "in.dcm")
    pd.DataFrame({"image_path": [str(path)], "sop_uid": [rec["sop_uid"]], "patient_id": [rec["patient_id"]],
                  "report_id": ["R"]}).to_csv(tmp_path / "p.csv", index=False)
    r = CliRunner().invoke(main, ["convert", str(tmp_path / "p.csv"), "--out", str(tmp_path / "o"), "--size", "64",
                                  "--format", "jpg", "--quiet"])
    assert r.exit_code == 0, r.output
    man = pd.read_csv(tmp_path / "o" / "manifest.csv", dtype=str)
    assert man.loc[0, "png"].endswith(".jpg")
    with Image.open(tmp_path / "o" / man.loc[0, "png"]) as img:
        assert img.format == "JPEG" and img.mode == "L" and img.size == (64, 64)
    r = CliRunner().invoke(main, ["convert", str(tmp_path / "p.csv"), "--out", str(tmp_path / "o2"), "--format", "jpg",
                                  "--bits", "16"])
    assert r.exit_code != 0 and "8-bit only" in r.output
