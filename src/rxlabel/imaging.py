"""The one DICOM-to-array path of rxlabel: ``convert``, the classifier and ``index check`` all read through it.

:func:`read_dicom` gives a 2-D float32 array in [0, 1], bright = dense (bone white): first frame,
modality LUT, the given window else the file's VOI LUT / window else a 0.5-99.5 percentile stretch,
MONOCHROME1 inverted, colour as luminance. Files without a preamble or file meta (ACR-NEMA style
exports, still common from old CR readers) are read too. It sits at the namespace level so every
part may import it without importing a package downstream of it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from rxlabel.errors import RxlabelError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})
DICOM_SUFFIXES = frozenset({".dcm", ".dicom"})
# A file without a preamble starts with its first element; ACR-NEMA files begin with group 0008
# (identifying) or 0002 (file meta), little-endian.
_BARE_GROUPS = (b"\x08\x00", b"\x02\x00")


class ImageReadError(RxlabelError):
    """An image that cannot be read; the message says which file and why."""


def is_dicom(path: str | Path) -> bool:
    """True for a DICOM file: a ``.dcm``/``.dicom`` name, a ``DICM`` preamble, or a bare (preamble-less) dataset."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in DICOM_SUFFIXES:
        return True
    if suffix in IMAGE_SUFFIXES:
        return False
    try:
        with open(p, "rb") as fh:
            head = fh.read(132)
    except OSError:
        return False
    return head[128:132] == b"DICM" or head[:2] in _BARE_GROUPS


def load_dicom(path: str | Path):
    """``(pixels, dataset)``: the first frame as float64 after the modality LUT, and the pydicom dataset.

    Raises :class:`ImageReadError` naming the file when it is not DICOM, has no pixels or cannot be decoded.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.pixels import apply_modality_lut
    from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(str(path), force=True)
        except (InvalidDicomError, OSError, EOFError, ValueError, KeyError, TypeError) as exc:
            raise ImageReadError(f"{path}: not a DICOM file ({type(exc).__name__}: {exc})") from exc
        if "PixelData" not in ds:
            # force=True reads any bytes; a file with no element of a DICOM header is not DICOM at all
            if not any(tag in ds for tag in ("SOPClassUID", "Modality", "Rows", "PatientID", "StudyInstanceUID")):
                raise ImageReadError(f"{path}: not a DICOM file (no DICOM header found)")
            raise ImageReadError(f"{path}: DICOM without pixel data")
        if "TransferSyntaxUID" not in ds.file_meta:
            # ACR-NEMA files have no meta header; their encoding is what the reader found.
            implicit, _little = ds.original_encoding
            ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
        try:
            arr = ds.pixel_array
        except Exception as exc:  # noqa: BLE001 - pydicom/its plug-ins raise many types for undecodable pixels
            hint = ""
            if "plugin" in str(exc).lower() or "decode" in str(exc).lower():
                hint = " (install pylibjpeg and pylibjpeg-openjpeg for JPEG 2000 / JPEG-LS)"
            raise ImageReadError(f"{path}: DICOM pixels cannot be decoded ({type(exc).__name__}: {exc}){hint}") from exc
    if arr.size == 0:
        raise ImageReadError(f"{path}: DICOM with empty pixel data")
    if arr.ndim == 3 and int(ds.get("SamplesPerPixel", 1)) == 1:
        arr = arr[0]  # multi-frame: the first frame is the radiograph
    if arr.ndim == 4:
        arr = arr[0]
    if arr.ndim == 3:  # colour secondary captures: luminance
        arr = arr[..., :3] @ np.array([0.299, 0.587, 0.114])
    return apply_modality_lut(arr, ds).astype(np.float64), ds


def to_display(arr: np.ndarray, ds, window: tuple[float, float] | None = None) -> np.ndarray:
    """Values in [0, 1], bright = dense: the given (centre, width), else the file's VOI LUT or window, else
    a 0.5-99.5 percentile stretch (robust to a few hot pixels)."""
    from pydicom.pixels import apply_voi_lut

    out = None
    if window is not None:
        c, w = window
        lo, hi = c - w / 2, c + w / 2
        out = (arr - lo) / max(hi - lo, 1e-9)
    elif "VOILUTSequence" in ds or "WindowCenter" in ds:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                v = apply_voi_lut(arr, ds, index=0).astype(np.float64)
            lo, hi = float(v.min()), float(v.max())
            out = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
        except (ValueError, TypeError, IndexError, AttributeError):  # a malformed window: fall back to the stretch
            out = None
    if out is None:
        lo, hi = np.percentile(arr, [0.5, 99.5]) if arr.size > 1000 else (arr.min(), arr.max())
        out = (arr - lo) / (hi - lo) if hi > lo else np.zeros_like(arr)
    out = np.clip(out, 0.0, 1.0)
    if str(ds.get("PhotometricInterpretation", "")).strip().upper() == "MONOCHROME1":
        out = 1.0 - out
    return out


def read_dicom(path: str | Path, window: tuple[float, float] | None = None) -> np.ndarray:
    """A DICOM radiograph as a 2-D float32 array in [0, 1], bright = dense (see the module doc)."""
    arr, ds = load_dicom(path)
    return to_display(arr, ds, window).astype(np.float32)


__all__ = ["ImageReadError", "is_dicom", "load_dicom", "read_dicom", "to_display"]
