from pathlib import Path

import pytest

from rxlabel.matcher import synth

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED / "dicom").is_dir() or not (SHARED / "his").is_dir():
        pytest.skip(f"shared data not found at {SHARED} (real DICOM and HIS samples live there)")
    return SHARED


@pytest.fixture(scope="session")
def archive(tmp_path_factory):
    """A generated archive on disk: real DICOM files and HIS XML exports, with its truth."""
    root = tmp_path_factory.mktemp("archive")
    a = synth.generate(220, seed=7)
    synth.write_archive_dicom(a, root / "dicom")
    synth.write_archive_his(a, root / "his", per_file=40)
    return a, root
