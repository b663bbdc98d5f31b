"""The Calibration model: apply, identity, JSON round trip, validation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration import Calibration, CalibrationValueError


def test_identity_changes_nothing() -> None:
    cal = Calibration.identity()
    accel = np.array([[0.1, -0.2, 0.97], [1.5, 0.0, -0.3]], dtype=np.float32)
    assert cal.is_identity
    np.testing.assert_array_equal(cal.apply(accel), accel)
    assert cal.apply(accel).dtype == np.float32


def test_per_axis_model_is_offset_then_scale() -> None:
    cal = Calibration(
        offset_g=np.array([0.1, -0.05, 0.0]), scale=np.array([1.1, 0.9, 1.0]), method="six-pose"
    )
    out = cal.apply(np.array([[1.0, 1.0, 1.0]]))
    np.testing.assert_allclose(out[0], [(1.1) * 1.1, 0.95 * 0.9, 1.0], rtol=1e-6)


def test_temperature_term() -> None:
    cal = Calibration(
        offset_g=np.zeros(3),
        scale=np.ones(3),
        temp_coef_g_per_degc=np.array([0.001, 0.0, -0.002]),
        temp_ref_degc=25.0,
        method="auto",
    )
    accel = np.zeros((2, 3))
    out = cal.apply(accel, np.array([25.0, 35.0]))
    np.testing.assert_allclose(out, np.array([[0, 0, 0], [0.01, 0, -0.02]]), atol=1e-7)
    # without a temperature the term is taken as zero (T = T_ref)
    np.testing.assert_array_equal(cal.apply(accel), np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(CalibrationValueError, match="one value per sample"):
        cal.apply(accel, np.array([25.0, 26.0, 27.0]))


def test_cross_axis_matrix_replaces_scale() -> None:
    matrix = np.array([[1.01, 0.02, 0.0], [0.0, 0.99, -0.01], [0.005, 0.0, 1.02]])
    cal = Calibration(
        offset_g=np.array([0.01, 0.02, 0.03]), scale=np.ones(3), matrix=matrix, method="six-pose"
    )
    np.testing.assert_allclose(cal.scale, np.diag(matrix))
    x = np.array([[0.2, -0.3, 0.9]])
    np.testing.assert_allclose(cal.apply(x)[0], matrix @ (x[0] + [0.01, 0.02, 0.03]), rtol=1e-6)


@pytest.mark.parametrize("with_extras", [False, True])
def test_dict_round_trip_is_json_safe_with_units(with_extras: bool) -> None:
    kwargs: dict[str, object] = {}
    if with_extras:
        kwargs = {
            "matrix": np.eye(3) * 1.01,
            "temp_coef_g_per_degc": [0.0005, -0.0003, 0.0001],
            "temp_ref_degc": 27.5,
        }
    cal = Calibration(
        offset_g=np.array([0.012, -0.034, 0.056]),
        scale=np.full(3, 1.01),
        method="auto",
        error_before_mg=23.4,
        error_after_mg=1.2,
        n_points=40,
        **kwargs,  # type: ignore[arg-type]
    )
    data = json.loads(json.dumps(cal.to_dict()))
    assert data["offset_mg"] == pytest.approx([12.0, -34.0, 56.0])
    assert len(data["scale"]) == 3
    back = Calibration.from_dict(data)
    np.testing.assert_allclose(back.offset_g, cal.offset_g, atol=1e-7)
    np.testing.assert_allclose(back.scale, cal.scale, atol=1e-6)
    assert back.method == "auto" and back.n_points == 40
    assert back.error_after_mg == pytest.approx(1.2)
    if with_extras:
        assert back.temp_ref_degc == pytest.approx(27.5)
        assert back.temp_coef_g_per_degc is not None
        np.testing.assert_allclose(back.temp_coef_g_per_degc, [0.0005, -0.0003, 0.0001])


def test_unknown_errors_serialise_as_null() -> None:
    data = Calibration.identity().to_dict()
    assert data["error_before_mg"] is None
    assert math.isnan(Calibration.from_dict(data).error_before_mg)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"offset_g": [0, 0], "scale": [1, 1, 1]}, "3 values"),
        ({"offset_g": [0, 0, 0], "scale": [1, 0, 1]}, "positive"),
        ({"offset_g": [0, 0, math.nan], "scale": [1, 1, 1]}, "finite"),
        ({"offset_g": [0, 0, 0], "scale": [1, 1, 1], "method": "guess"}, "method"),
        ({"offset_g": [0, 0, 0], "scale": [1, 1, 1], "matrix": np.zeros((3, 3))}, "singular"),
        (
            {"offset_g": [0, 0, 0], "scale": [1, 1, 1], "temp_coef_g_per_degc": [0, 0, 0]},
            "temp_ref_degc",
        ),
    ],
)
def test_invalid_calibrations_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(CalibrationValueError, match=match):
        Calibration(**kwargs)  # type: ignore[arg-type]


def test_from_dict_names_the_missing_key() -> None:
    with pytest.raises(CalibrationValueError, match="offset_mg"):
        Calibration.from_dict({"scale": [1, 1, 1]})
    with pytest.raises(CalibrationValueError, match="malformed"):
        Calibration.from_dict({"offset_mg": ["a", 0, 0], "scale": [1, 1, 1]})


def test_apply_refuses_wrong_shape() -> None:
    with pytest.raises(CalibrationValueError, match=r"\(n, 3\)"):
        Calibration.identity().apply(np.zeros((5, 2)))


finite = st.floats(min_value=-0.3, max_value=0.3, allow_nan=False)
gains = st.floats(min_value=0.8, max_value=1.2, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(
    offset=st.lists(finite, min_size=3, max_size=3),
    scale=st.lists(gains, min_size=3, max_size=3),
)
def test_apply_inverts_the_sensor_model_and_survives_json(
    offset: list[float], scale: list[float]
) -> None:
    cal = Calibration(offset_g=np.array(offset), scale=np.array(scale), method="six-pose")
    true_g = np.array([[0.0, 0.0, 1.0], [0.6, -0.8, 0.0], [-0.3, 0.4, -0.866]])
    raw = true_g / np.array(scale) - np.array(offset)
    np.testing.assert_allclose(cal.apply(raw), true_g, atol=1e-6)
    back = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    np.testing.assert_allclose(back.apply(raw), true_g, atol=2e-5)


@pytest.mark.parametrize("with_matrix", [False, True])
def test_apply_in_chunks_and_in_place_equals_one_float64_pass(with_matrix: bool) -> None:
    """A recording longer than a chunk: the float64 formula over the whole array, and in place.

    Chunks keep a night's calibration from holding float64 copies of the night (three of
    them, 72 bytes a sample, before); in place it holds no second copy at all.
    """
    from calibration.model import _CHUNK_ROWS

    rng = np.random.default_rng(3)
    n = 2 * _CHUNK_ROWS + 123
    accel = rng.normal(0.0, 0.5, (n, 3)).astype(np.float32)
    temp = rng.normal(30.0, 2.0, n)
    matrix = np.array([[1.01, 0.002, -0.001], [0.0, 0.98, 0.003], [0.001, 0.0, 1.02]])
    cal = Calibration(
        offset_g=np.array([0.01, -0.02, 0.005]),
        scale=np.array([1.01, 0.99, 1.0]),
        matrix=matrix if with_matrix else None,
        temp_coef_g_per_degc=np.array([0.0005, 0.0, -0.001]),
        temp_ref_degc=25.0,
        method="auto",
    )
    shifted = accel.astype(np.float64) + cal.offset_g
    whole = shifted @ matrix.T if with_matrix else shifted * cal.scale
    whole = (whole + (temp - 25.0)[:, None] * cal.temp_coef_g_per_degc).astype(np.float32)
    np.testing.assert_array_equal(cal.apply(accel, temp), whole)
    same = accel.copy()
    assert cal.apply(same, temp, out=same) is same
    np.testing.assert_array_equal(same, whole)


def test_apply_refuses_an_output_of_another_shape_or_type() -> None:
    cal = Calibration.identity()
    with pytest.raises(CalibrationValueError, match="float32"):
        cal.apply(np.zeros((4, 3)), out=np.zeros((4, 3)))
    with pytest.raises(CalibrationValueError, match="shape"):
        cal.apply(np.zeros((4, 3)), out=np.zeros((5, 3), np.float32))
