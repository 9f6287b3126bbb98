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


def read_stored(path: str | Path):
    """``(stored, dataset)``: the first frame's stored values (integers for grey images, float luminance
    for colour), before the modality LUT.

    Raises :class:`ImageReadError` naming the file when it is not DICOM, has no pixels or cannot be decoded.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError
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
    return arr, ds


def load_dicom(path: str | Path):
    """``(pixels, dataset)``: the first frame as float64 after the modality LUT, and the pydicom dataset.

    Raises :class:`ImageReadError` naming the file when it is not DICOM, has no pixels or cannot be decoded.
    """
    from pydicom.pixels import apply_modality_lut

    arr, ds = read_stored(path)
    return apply_modality_lut(arr, ds).astype(np.float64), ds


def _display_of(values: np.ndarray, ds, window: tuple[float, float] | None, histogram=None) -> np.ndarray:
    """Display values in [0, 1] (bright = dense) of modality-LUT ``values``. ``histogram`` (a callable, for a
    lookup table over a range of stored levels: how often each level occurs) gives the percentiles and,
    for a VOI LUT sequence, which entries occur; it is only called when needed (a linear window is not)."""
    from pydicom.pixels import apply_voi_lut

    counts = None
    if histogram is not None and window is None and ("VOILUTSequence" in ds or "WindowCenter" not in ds):
        counts = histogram()
    out = None
    if window is not None:
        c, w = window
        lo, hi = c - w / 2, c + w / 2
        out = (values - lo) / max(hi - lo, 1e-9)
    elif "VOILUTSequence" in ds or "WindowCenter" in ds:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                v = np.asarray(apply_voi_lut(values, ds, index=0), dtype=np.float64)
            present = v if counts is None else v[counts > 0]
            lo, hi = float(present.min()), float(present.max())
            out = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
        except (ValueError, TypeError, IndexError, AttributeError):  # a malformed window: fall back to the stretch
            out = None
    if out is None and histogram is not None and counts is None:
        counts = histogram()
    if out is None:
        n = values.size if counts is None else int(counts.sum())
        if n > 1000:
            lo, hi = _percentiles(values, counts, (0.5, 99.5))
        else:
            present = values if counts is None else values[counts > 0]
            lo, hi = present.min(), present.max()
        out = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values, dtype=np.float64)
    out = np.clip(out, 0.0, 1.0)
    if str(ds.get("PhotometricInterpretation", "")).strip().upper() == "MONOCHROME1":
        out = 1.0 - out
    return out


def _percentiles(values: np.ndarray, counts: np.ndarray | None, qs: tuple[float, ...]) -> tuple[float, ...]:
    """np.percentile (linear) of the pixels; from the histogram ``counts`` of ``values`` when given."""
    if counts is None:
        return tuple(np.percentile(values, qs))
    if np.any(np.diff(values) < 0):  # a decreasing modality LUT: sort the levels by value
        order = np.argsort(values, kind="stable")
        values, counts = values[order], counts[order]
    cum = np.cumsum(counts)
    n = int(cum[-1])
    out = []
    for q in qs:
        pos = q / 100 * (n - 1)
        k = int(np.floor(pos))
        a = values[np.searchsorted(cum, k, "right")]
        b = values[np.searchsorted(cum, min(k + 1, n - 1), "right")]
        out.append(float(a + (b - a) * (pos - k)))
    return tuple(out)


def to_display(arr: np.ndarray, ds, window: tuple[float, float] | None = None) -> np.ndarray:
    """Values in [0, 1], bright = dense: the given (centre, width), else the file's VOI LUT or window, else
    a 0.5-99.5 percentile stretch (robust to a few hot pixels)."""
    return _display_of(np.asarray(arr, dtype=np.float64), ds, window)


def display_lut(stored: np.ndarray, ds, window: tuple[float, float] | None, bits: int):
    """``(lut, index)`` with ``lut[index]`` the display image as uint8 (``bits`` 8) or uint16, or None for
    float (colour) pixels. The modality LUT, window and inversion of :func:`to_display` are evaluated once
    per stored value (at most 2**20 entries, float64) instead of once per pixel."""
    from pydicom.pixels import apply_modality_lut

    if stored.dtype.kind not in "iu" or stored.size == 0:
        return None
    lo, hi = int(stored.min()), int(stored.max())
    if hi - lo > 1 << 20:
        return None
    if lo == 0:
        idx = stored
    elif lo > 0:
        idx = stored - stored.dtype.type(lo)
    else:  # signed: the shifted range may not fit the stored type
        idx = stored.astype(np.int32) - lo
    def histogram() -> np.ndarray:
        return np.bincount(idx.ravel(), minlength=hi - lo + 1)

    levels = np.arange(lo, hi + 1, dtype=np.int64).astype(stored.dtype)
    values = np.asarray(apply_modality_lut(levels, ds), dtype=np.float64)
    shown = _display_of(values, ds, window, histogram)
    scale, dtype = (255, np.uint8) if bits == 8 else (65535, np.uint16)
    return np.round(shown * scale).astype(dtype), idx


def read_display(path: str | Path, window: tuple[float, float] | None = None, bits: int = 8):
    """``(image, dataset)``: the radiograph as uint8 (or uint16 with ``bits`` 16), bright = dense, by one
    lookup table for integer pixels (the fast path of ``convert``), else through :func:`to_display`."""
    from pydicom.pixels import apply_modality_lut

    stored, ds = read_stored(path)
    table = display_lut(stored, ds, window, bits)
    if table is not None:
        lut, idx = table
        return lut[idx], ds
    shown = to_display(apply_modality_lut(stored, ds), ds, window)
    scale, dtype = (255, np.uint8) if bits == 8 else (65535, np.uint16)
    return np.round(shown * scale).astype(dtype), ds


def read_dicom(path: str | Path, window: tuple[float, float] | None = None) -> np.ndarray:
    """A DICOM radiograph as a 2-D float32 array in [0, 1], bright = dense (see the module doc)."""
    arr, ds = load_dicom(path)
    return to_display(arr, ds, window).astype(np.float32)


__all__ = ["ImageReadError", "display_lut", "is_dicom", "load_dicom", "read_dicom", "read_display", "read_stored",
           "to_display"]
