"""CheXmask masks: RLE decoding, the padding round trip, the quality gate and the join to the index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

from rxlabel.index.chexmask import (
    ChexmaskError,
    border_box,
    lung_crop,
    read_chexmask,
    rle_decode,
    rle_encode,
    to_image_grid,
    to_square,
)
from tests.index.conftest import SHARED, shared

CHEXMASK = SHARED / "cxr" / "chexmask"


def blobs(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A mask of a few ellipses (lung-like shapes) of an h x w image."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    out = np.zeros((h, w), bool)
    for _ in range(3):
        cy, cx, ry, rx = rng.uniform(0.2, 0.8) * h, rng.uniform(0.2, 0.8) * w, rng.uniform(0.05, 0.3) * h, \
            rng.uniform(0.05, 0.2) * w
        out |= ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
    return out


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (64, 64), (300, 200), (1024, 1024)])
def test_rle_round_trip(shape):
    mask = blobs(*shape)
    mask[0, 0] = True  # a run starting at pixel 1 (1-based)
    mask[-1, -1] = True  # and one ending at the last pixel
    assert np.array_equal(rle_decode(rle_encode(mask), *shape), mask)


def test_rle_is_one_based_row_major():
    mask = rle_decode("1 2 7 3", 3, 4)
    assert mask.astype(int).tolist() == [[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 0]]


@pytest.mark.parametrize("rle, why", [("1 2 3", "pairs"), ("10 5", "beyond"), ("a 2", "non-integer")])
def test_bad_rle_is_refused(rle, why):
    with pytest.raises(ChexmaskError, match=why):
        rle_decode(rle, 3, 4, "img.png left_lung")


@pytest.mark.parametrize("shape", [(899, 786), (600, 1000), (1024, 700), (333, 334), (1024, 1024)])
def test_padding_round_trip_is_exact_up_to_1024(shape):
    mask = blobs(*shape, seed=sum(shape))
    square = to_square(mask)
    assert square.shape == (1024, 1024)
    assert np.array_equal(to_image_grid(square, shape, "x.png"), mask)


def test_padding_round_trip_with_a_removed_border_and_a_large_film():
    film = np.zeros((2000, 1500), np.float32)
    film[10:1990, 40:1480] = 0.5  # a black border CheXmask removed before padding
    border = border_box(film)
    assert border == (40, 10, 20, 10)
    mask = np.zeros(film.shape, bool)
    mask[300:1500, 200:700] = True
    back = to_image_grid(to_square(mask, border=border), film.shape, "big.png", border)
    # down-sampled to 1024 then mapped back: the edges move by at most one square pixel (< 2 film pixels)
    assert (back ^ mask).sum() / mask.sum() < 0.01
    rows = np.flatnonzero(back.any(axis=1))
    assert abs(rows[0] - 300) <= 2 and abs(rows[-1] - 1499) <= 2


def test_unmappable_mask_size_names_the_image():
    with pytest.raises(ChexmaskError, match="film42.png.*900 x 800"):
        to_image_grid(np.zeros((900, 800), bool), (1000, 700), "film42.png")


def test_lung_crop_keeps_lungs_and_the_area_below():
    film = np.random.default_rng(0).uniform(0.1, 1, (800, 600)).astype(np.float32)
    box = (200, 700, 150, 874)  # on the 1024 grid: lungs between y 200..700
    crop = lung_crop(film, box, (1024, 1024), margin=0.0, below=1.0)
    side, pad_left = 800, 100
    x0, x1 = int(150 * side / 1024) - pad_left, int(np.ceil(874 * side / 1024)) - pad_left
    assert crop.shape[0] == 800 - int(200 * 800 / 1024)  # from the lungs' top down to the bottom edge
    assert abs(crop.shape[1] - (x1 - x0)) <= 1
    no_below = lung_crop(film, box, (1024, 1024), margin=0.0, below=0.0)
    assert abs(no_below.shape[0] - 500 * 800 / 1024) <= 2


def test_shared_example_masks_decode_and_survive_the_round_trip():
    names = {"LL": "left", "RL": "right", "H": "heart"}
    for short in names:
        png = np.asarray(Image.open(shared(CHEXMASK / f"example_{short}_mask.png"))) > 127
        assert png.shape == (899, 786)  # the example film is not square
        assert np.array_equal(rle_decode(rle_encode(png), *png.shape), png)
        assert np.array_equal(to_image_grid(to_square(png), png.shape, "example"), png)


@pytest.mark.parametrize("name, layout", [("Padchest.csv", "padchest"), ("VinDr-CXR.csv", "vindr")])
def test_shared_rows_decode_to_the_landmark_contours(name, layout):
    table = read_chexmask(shared(CHEXMASK / name))
    assert len(table) == 50 and set(table["layout"]) == {layout}
    assert table["dice_rca_mean"].between(0, 1).all()
    for row in table.head(10).itertuples():
        pts = np.array([float(v) for v in row.landmarks.replace("[", " ").replace("]", " ").replace(",", " ").split()])
        pts = pts.reshape(-1, 2)
        for column, part in (("right_lung", pts[:44]), ("left_lung", pts[44:94]), ("heart", pts[94:])):
            decoded = rle_decode(getattr(row, column), row.mask_height, row.mask_width, row.image_id)
            canvas = Image.new("L", (row.mask_width, row.mask_height))
            ImageDraw.Draw(canvas).polygon([tuple(p) for p in part], fill=1)
            drawn = np.asarray(canvas) > 0
            dice = 2 * (decoded & drawn).sum() / (decoded.sum() + drawn.sum())
            assert dice > 0.97, (row.image_id, column, dice)


def _padchest_like_chexmask(tmp_path: Path, keys: list[str], dice: list[float]) -> Path:
    rows = []
    for k, (key, d) in enumerate(zip(keys, dice, strict=True)):
        left, right, heart = (np.zeros((1024, 1024), bool) for _ in range(3))
        left[200 + k: 700, 560:860] = True
        right[210: 690, 160:460] = True
        heart[500:760, 400:700] = True
        rows.append({"ImageID": key, "Dice RCA (Max)": d + 0.05, "Dice RCA (Mean)": d, "Landmarks": "",
                     "Left Lung": rle_encode(left), "Right Lung": rle_encode(right), "Heart": rle_encode(heart),
                     "Height": "" if k % 2 else 1024, "Width": "" if k % 2 else 1024})
    path = tmp_path / "chexmask_padchest.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_masks_import_and_min_rca_drop_exactly_the_rows_below(tmp_path: Path, built, table):
    from rxlabel.cli import main as cli

    keys = table["ImageID"].tolist()
    rng = np.random.default_rng(3)
    dice = rng.uniform(0.5, 0.95, len(keys) - 20).round(3).tolist()
    csv = _padchest_like_chexmask(tmp_path, keys[:-20] + ["not-in-index.png"] * 0, dice)
    runner = CliRunner()
    out = runner.invoke(cli, ["masks", "import", str(csv), "--index", str(built.path), "-o", str(tmp_path / "m.parquet")])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["matched"] == len(keys) - 20 and summary["unmatched"] == 0
    store = tmp_path / "store.sqlite"
    res = runner.invoke(cli, ["dataset", "create", str(built.path), "--multilabel", "--name", "gated",
                              "--masks", str(tmp_path / "m.parquet"), "--min-rca", "0.7", "--out",
                              str(tmp_path / "gated"), "--store", str(store)])
    assert res.exit_code == 0, res.output
    counts = json.loads(res.stdout.strip().splitlines()[-1])
    below = {k for k, d in zip(keys, dice, strict=False) if d < 0.7}
    assert counts["below_min_rca"] == len(below) and counts["no_mask"] == 20
    manifest = pd.read_csv(tmp_path / "gated" / "manifest.csv")
    assert not below & set(manifest["image_id"])
    assert (manifest["dice_rca_mean"].dropna() >= 0.7).all()
    with_mask = manifest[manifest["lung_box"].notna()]
    assert len(with_mask) + (manifest["lung_box"].isna()).sum() == len(manifest)
    y0, y1, x0, x1 = map(int, with_mask["lung_box"].iloc[0].split())
    assert y1 == 700 and x0 == 160 and x1 == 860 and 200 <= y0 <= 210


def test_chexmask_file_without_an_id_column_is_refused(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,Left Lung\na,1 2\n")
    with pytest.raises(ChexmaskError, match="ImageID"):
        read_chexmask(bad)


def test_dataset_folder_holds_its_heart_and_lung_masks_for_region_tasks(tmp_path: Path, built, table):
    pytest.importorskip("torch")
    from rxlabel.classifier.data import RxDataset
    from rxlabel.cli import main as cli
    from rxlabel.index.chexmask import read_table

    keys = table["ImageID"].tolist()[:30]
    csv = _padchest_like_chexmask(tmp_path, keys, [0.9] * len(keys))
    runner = CliRunner()
    assert runner.invoke(cli, ["masks", "import", str(csv), "--index", str(built.path), "-o",
                               str(tmp_path / "m.parquet")]).exit_code == 0
    images = tmp_path / "films"
    images.mkdir()
    for key in table["ImageID"]:  # 600 x 500 films: non-square, so the unpadding matters
        Image.fromarray(np.full((600, 500), 120, np.uint8)).save(images / key)
    out = tmp_path / "ds"
    res = runner.invoke(cli, ["dataset", "create", str(built.path), "--multilabel", "--name", "anat", "--masks",
                              str(tmp_path / "m.parquet"), "--image-root", str(images), "--out", str(out),
                              "--store", str(tmp_path / "s.sqlite")])
    assert res.exit_code == 0, res.output
    manifest = pd.read_csv(out / "manifest.csv")
    assert set(read_table(out / "masks.parquet")["key"]) == set(keys) & set(manifest["image_id"])
    ds = RxDataset(out / "manifest.csv", image_size=32)
    k = int(np.flatnonzero(manifest["image_id"].isin(keys))[0])
    parts = ds.anatomy(k)
    assert set(parts) == {"left_lung", "right_lung", "heart"} and parts["heart"].shape == (600, 500)
    rows = np.flatnonzero(parts["heart"].any(axis=1))
    # heart rows 500..760 of the 1024 square = film rows 500 * 600 / 1024 .. 760 * 600 / 1024
    assert abs(rows[0] - 500 * 600 / 1024) <= 1 and abs(rows[-1] + 1 - 760 * 600 / 1024) <= 1
    other = int(np.flatnonzero(~manifest["image_id"].isin(keys))[0])
    assert ds.anatomy(other) == {}
