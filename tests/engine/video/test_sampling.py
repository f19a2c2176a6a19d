import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabinlens.engine.video import sample_indices


def test_uniform_spreads_over_the_segment():
    np.testing.assert_array_equal(sample_indices(100, 116, 4), [102, 106, 110, 114])


def test_short_segment_repeats_frames_in_order():
    np.testing.assert_array_equal(sample_indices(10, 14, 8), [10, 10, 11, 11, 12, 12, 13, 13])
    np.testing.assert_array_equal(sample_indices(10, 14, 8, "center"), [10, 10, 11, 11, 12, 12, 13, 13])


def test_center_and_consecutive():
    np.testing.assert_array_equal(sample_indices(0, 10, 4, "center"), [3, 4, 5, 6])
    np.testing.assert_array_equal(sample_indices(0, 10, 4, "consecutive"), [0, 1, 2, 3])


@given(
    start=st.integers(0, 10_000),
    length=st.integers(1, 400),
    t=st.integers(1, 64),
    policy=st.sampled_from(["uniform", "center", "consecutive"]),
)
def test_indices_stay_inside_and_are_sorted(start, length, t, policy):
    idx = sample_indices(start, start + length, t, policy)
    assert idx.shape == (t,)
    assert idx.min() >= start and idx.max() < start + length
    assert np.all(np.diff(idx) >= 0)
    if length >= t:
        assert len(set(idx.tolist())) == t  # no repeats when the segment is long enough


def test_bad_arguments():
    with pytest.raises(ValueError):
        sample_indices(5, 5, 4)
    with pytest.raises(ValueError):
        sample_indices(0, 5, 0)
    with pytest.raises(ValueError):
        sample_indices(0, 5, 2, "random")
