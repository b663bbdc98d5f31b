"""The calibration model: a :class:`Calibration` result with units, applied to acceleration in g.

Two forms share one class.

Per-axis form (van Hees et al. 2014, the form GGIR and OpenMovement use; also the six-pose fit
without cross-axis terms)::

    x_cal[k] = (x[k] + offset_g[k]) * scale[k] + (T - temp_ref_degc) * temp_coef_g_per_degc[k]

for each axis ``k``; the temperature term is present only when a temperature coefficient was fitted.

Twelve-parameter form (six-pose fit with cross-axis terms; ST AN4508, NXP AN4399)::

    x_cal = matrix @ (x + offset_g)

``matrix`` is the 3x3 gain and cross-axis (misalignment) matrix; ``scale`` then holds its diagonal for
reporting. Nine matrix terms plus three offsets make the twelve parameters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from calibration.errors import CalibrationValueError

__all__ = ["METHODS", "Calibration", "Method"]

_CHUNK_ROWS = 1 << 16
"""Rows calibrated at a time by :meth:`Calibration.apply` (1.5 MB of float64 scratch)."""

Method = Literal["six-pose", "auto", "identity"]
METHODS: tuple[str, ...] = ("six-pose", "auto", "identity")
"""Allowed values of :attr:`Calibration.method`."""


def _vector3(value: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (3,):
        raise CalibrationValueError(f"{name} must have 3 values (x, y, z); got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise CalibrationValueError(f"{name} must be finite; got {arr.tolist()}")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Calibration:
    """Offset, scale and optional cross-axis and temperature terms of one accelerometer.

    Parameters
    ----------
    offset_g : array_like, shape (3,)
        Offset added to the raw x, y, z before scaling, in g.
    scale : array_like, shape (3,)
        Gain per axis (dimensionless; 1 is no change). With ``matrix`` it is ``diag(matrix)``.
    matrix : array_like, shape (3, 3), optional
        Gain and cross-axis matrix of the twelve-parameter form (replaces ``diag(scale)``).
    temp_coef_g_per_degc : array_like, shape (3,), optional
        Temperature coefficient per axis, in g per degree Celsius.
    temp_ref_degc : float, optional
        Reference temperature of the temperature term, in degrees Celsius (required with
        ``temp_coef_g_per_degc``).
    method : {"six-pose", "auto", "identity"}
        How the calibration was obtained.
    error_before_mg, error_after_mg : float
        Mean ``| |a| - 1 g |`` over the still points of the fit before and after calibration, in mg
        (NaN when unknown).
    n_points : int
        Still poses (six-pose) or still windows (auto) the fit used.
    extra : mapping, optional
        JSON-safe details of the fit (e.g. the error of each pose), reported as ``details``.

    Raises
    ------
    CalibrationValueError
        If a vector does not have three finite values, a scale is not positive, the matrix is
        singular, or the method is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> cal = Calibration(offset_g=[0.01, 0.0, -0.02], scale=[1.0, 1.02, 0.98], method="six-pose")
    >>> np.round(cal.apply(np.array([[0.0, 0.0, 1.0]])).astype(float), 4).tolist()
    [[0.01, 0.0, 0.9604]]
    """

    offset_g: NDArray[np.float64]
    scale: NDArray[np.float64]
    matrix: NDArray[np.float64] | None = None
    temp_coef_g_per_degc: NDArray[np.float64] | None = None
    temp_ref_degc: float | None = None
    method: str = "identity"
    error_before_mg: float = math.nan
    error_after_mg: float = math.nan
    n_points: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "offset_g", _vector3(self.offset_g, "offset_g"))
        scale = _vector3(self.scale, "scale")
        if self.matrix is not None:
            matrix = np.asarray(self.matrix, dtype=np.float64)
            if matrix.shape != (3, 3) or not np.all(np.isfinite(matrix)):
                raise CalibrationValueError(
                    f"matrix must be a finite 3x3 array; got shape {matrix.shape}"
                )
            if abs(float(np.linalg.det(matrix))) < 1e-6:
                raise CalibrationValueError("matrix is singular")
            matrix.setflags(write=False)
            object.__setattr__(self, "matrix", matrix)
            scale = np.diag(matrix).copy()
            scale.setflags(write=False)
        if np.any(scale <= 0):
            raise CalibrationValueError(f"scale must be positive; got {scale.tolist()}")
        object.__setattr__(self, "scale", scale)
        if self.temp_coef_g_per_degc is not None:
            coef = _vector3(self.temp_coef_g_per_degc, "temp_coef_g_per_degc")
            object.__setattr__(self, "temp_coef_g_per_degc", coef)
            if self.temp_ref_degc is None or not math.isfinite(float(self.temp_ref_degc)):
                raise CalibrationValueError("temp_ref_degc is required with temp_coef_g_per_degc")
            object.__setattr__(self, "temp_ref_degc", float(self.temp_ref_degc))
        if self.method not in METHODS:
            allowed = ", ".join(repr(m) for m in METHODS)
            raise CalibrationValueError(f"method must be one of {allowed}; got {self.method!r}")
        object.__setattr__(self, "error_before_mg", float(self.error_before_mg))
        object.__setattr__(self, "error_after_mg", float(self.error_after_mg))
        object.__setattr__(self, "n_points", int(self.n_points))
        object.__setattr__(self, "extra", dict(self.extra))

    @classmethod
    def identity(cls) -> Calibration:
        """The calibration that changes nothing (offset 0, scale 1).

        Returns
        -------
        Calibration
            With ``method="identity"``.
        """
        return cls(offset_g=np.zeros(3), scale=np.ones(3), method="identity")

    @property
    def is_identity(self) -> bool:
        """True when applying this calibration changes nothing."""
        return (
            bool(np.all(self.offset_g == 0))
            and bool(np.all(self.scale == 1))
            and (self.matrix is None or bool(np.array_equal(self.matrix, np.eye(3))))
            and (self.temp_coef_g_per_degc is None or bool(np.all(self.temp_coef_g_per_degc == 0)))
        )

    @property
    def has_temperature(self) -> bool:
        """True when the calibration has a temperature term."""
        return self.temp_coef_g_per_degc is not None

    def apply(
        self,
        accel_g: ArrayLike,
        temperature_degc: ArrayLike | float | None = None,
        *,
        out: NDArray[np.float32] | None = None,
    ) -> NDArray[np.float32]:
        """Calibrate acceleration.

        Computed in float64 in chunks of rows and rounded to float32: a whole night (1.4
        million rows at 50 Hz) never has float64 copies (24 bytes a row each), only the float32
        result.

        Parameters
        ----------
        accel_g : array_like, shape (n, 3)
            Raw acceleration in g.
        temperature_degc : array_like of shape (n,) or float, optional
            Device temperature in degrees Celsius, per sample or one value. Used only when the
            calibration has a temperature term; when it is missing the term is taken as zero
            (temperature equal to ``temp_ref_degc``).
        out : ndarray of float32, shape (n, 3), optional
            Where to write the result; it may be ``accel_g`` itself (calibrated in place, each
            chunk read before it is written).

        Returns
        -------
        ndarray of float32, shape (n, 3)
            Calibrated acceleration in g (``out`` when given).

        Raises
        ------
        CalibrationValueError
            If ``accel_g`` is not ``(n, 3)``, the temperature does not match it in length, or
            ``out`` is not a float32 array of its shape.
        """
        accel = np.asarray(accel_g)
        if accel.ndim != 2 or accel.shape[1] != 3:
            raise CalibrationValueError(f"accel_g must have shape (n, 3); got {accel.shape}")
        n = accel.shape[0]
        temp: NDArray[np.float64] | None = None
        coef = self.temp_coef_g_per_degc
        if coef is not None and temperature_degc is not None:
            temp = np.asarray(temperature_degc, dtype=np.float64)
            if temp.ndim == 0:
                temp = np.full(n, float(temp))
            if temp.shape != (n,):
                raise CalibrationValueError(
                    f"temperature_degc must have one value per sample ({n}); got shape {temp.shape}"
                )
        if out is None:
            out = np.empty((n, 3), np.float32)
        elif out.dtype != np.float32 or out.shape != (n, 3):
            raise CalibrationValueError(
                f"out must be a float32 array of shape ({n}, 3); got {out.dtype} {out.shape}"
            )
        for c0 in range(0, n, _CHUNK_ROWS):  # a loop over chunks of rows, not samples
            c1 = min(n, c0 + _CHUNK_ROWS)
            block = accel[c0:c1].astype(np.float64) + self.offset_g
            if self.matrix is not None:
                block = block @ self.matrix.T
            else:
                block *= self.scale
            if temp is not None and coef is not None:
                ref = cast(float, self.temp_ref_degc)
                block += (temp[c0:c1] - ref)[:, None] * coef
            out[c0:c1] = block
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dictionary with units in the keys.

        Returns
        -------
        dict
            ``method``, ``offset_mg`` (3 values), ``scale`` (3 values), ``matrix`` (3x3 or None),
            ``temp_coef_mg_per_degc`` (3 values or None), ``temp_ref_degc`` (or None),
            ``error_before_mg``, ``error_after_mg`` (None when unknown), ``n_points``.
        """

        def num(value: float) -> float | None:
            return None if not math.isfinite(value) else round(float(value), 6)

        return {
            "method": self.method,
            "offset_mg": [round(float(v) * 1000.0, 4) for v in self.offset_g],
            "scale": [round(float(v), 7) for v in self.scale],
            "matrix": None
            if self.matrix is None
            else [[round(float(v), 7) for v in row] for row in self.matrix],
            "temp_coef_mg_per_degc": None
            if self.temp_coef_g_per_degc is None
            else [round(float(v) * 1000.0, 5) for v in self.temp_coef_g_per_degc],
            "temp_ref_degc": None if self.temp_ref_degc is None else num(self.temp_ref_degc),
            "error_before_mg": num(self.error_before_mg),
            "error_after_mg": num(self.error_after_mg),
            "n_points": self.n_points,
            "details": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        """Build a calibration from :meth:`to_dict` output.

        Parameters
        ----------
        data : mapping
            At least ``offset_mg`` and ``scale``; the other keys of :meth:`to_dict` are optional.

        Returns
        -------
        Calibration

        Raises
        ------
        CalibrationValueError
            If a key is missing or a value has the wrong shape or type.
        """
        try:
            offset = np.asarray(data["offset_mg"], dtype=np.float64) / 1000.0
            scale = np.asarray(data["scale"], dtype=np.float64)
            matrix = data.get("matrix")
            coef = data.get("temp_coef_mg_per_degc")

            def num(key: str) -> float:
                value = data.get(key)
                return math.nan if value is None else float(value)

            return cls(
                offset_g=offset,
                scale=scale,
                matrix=None if matrix is None else np.asarray(matrix, dtype=np.float64),
                temp_coef_g_per_degc=None
                if coef is None
                else np.asarray(coef, dtype=np.float64) / 1000.0,
                temp_ref_degc=None if data.get("temp_ref_degc") is None else num("temp_ref_degc"),
                method=str(data.get("method", "six-pose")),
                error_before_mg=num("error_before_mg"),
                error_after_mg=num("error_after_mg"),
                n_points=int(data.get("n_points", 0)),
                extra=dict(data.get("details") or {}),
            )
        except KeyError as exc:
            raise CalibrationValueError(f"calibration is missing the key {exc.args[0]!r}") from exc
        except (TypeError, ValueError) as exc:
            if isinstance(exc, CalibrationValueError):
                raise
            raise CalibrationValueError(f"calibration has a malformed value: {exc}") from exc

    def __repr__(self) -> str:
        offs = ", ".join(f"{v * 1000:+.1f}" for v in self.offset_g)
        scale = ", ".join(f"{v:.4f}" for v in self.scale)
        extra = " cross-axis" if self.matrix is not None else ""
        extra += " temperature" if self.has_temperature else ""
        return (
            f"Calibration({self.method}{extra}: offset_mg=[{offs}], scale=[{scale}], "
            f"error {self.error_before_mg:.1f} -> {self.error_after_mg:.1f} mg)"
        )
